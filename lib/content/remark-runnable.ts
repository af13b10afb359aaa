import type { Code, Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import GithubSlugger from 'github-slugger';
import { visit } from 'unist-util-visit';
import { findExercise } from '@/lib/retos/exercises';
import type { ExerciseMeta } from '@/lib/retos/schema';
import { RunnableLab, RunnableProbe, SnippetKind, type SnippetFile } from './schema';

const LANGUAGES: Record<string, SnippetFile['language']> = {
  ts: 'typescript',
  typescript: 'typescript',
  py: 'python',
  python: 'python',
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
};

function titleOf(meta: string | null | undefined): string | undefined {
  return /title=["']([^"']+)["']/.exec(meta ?? '')?.[1];
}

function attribute(node: MdxJsxFlowElement, name: string): string | undefined {
  for (const attr of node.attributes) {
    if (attr.type === 'mdxJsxAttribute' && attr.name === name && typeof attr.value === 'string') return attr.value;
  }
  return undefined;
}

/** How long an example runs, as its author declares it (`runs="until-stopped"`); never guessed from code. */
export const RUNS = ['to-end', 'until-stopped'] as const;
export type Runs = (typeof RUNS)[number];

/** What the server needs to know of an example (lib/content/runnables.ts). */
export interface RunnableMeta {
  id: string;
  kind: SnippetKind;
  runs: Runs;
  /** The server's measurement after the script (shell examples only), as the author declares it. */
  probe?: RunnableProbe;
  /** The lab service a shell example uses (its gated endpoints relayed in), as the author declares it. */
  lab?: RunnableLab;
}

/** The files of the code fences under `node`, in order; `label` names the block in errors. */
function filesOf(node: MdxJsxFlowElement | Root, label: string, skip: (child: MdxJsxFlowElement) => boolean = () => false): SnippetFile[] {
  const files: SnippetFile[] = [];
  visit(node, (child) => {
    if (child.type === 'mdxJsxFlowElement' && child !== node && skip(child)) return 'skip';
    if (child.type !== 'code') return;
    const code = child as Code;
    const language = LANGUAGES[code.lang ?? ''];
    const name = titleOf(code.meta);
    if (!language || !name) throw new Error(`${label}: cada bloque necesita lenguaje (ts, py, bash) y title="archivo"`);
    files.push({ name, language, code: code.value + '\n' });
  });
  return files;
}

function kindOf(node: MdxJsxFlowElement, label: string): SnippetKind {
  const kind = SnippetKind.safeParse(attribute(node, 'kind'));
  if (!kind.success) throw new Error(`${label}: kind debe ser uno de ${SnippetKind.options.join(', ')}`);
  return kind.data;
}

function runsOf(node: MdxJsxFlowElement, label: string): Runs {
  const runs = attribute(node, 'runs') ?? 'to-end';
  if (!(RUNS as readonly string[]).includes(runs)) throw new Error(`${label}: runs debe ser uno de ${RUNS.join(', ')}`);
  return runs as Runs;
}

function probeOf(node: MdxJsxFlowElement, kind: SnippetKind, label: string): RunnableProbe | undefined {
  const value = attribute(node, 'probe');
  if (value === undefined) return undefined;
  const probe = RunnableProbe.safeParse(value);
  if (!probe.success) throw new Error(`${label}: probe debe ser uno de ${RunnableProbe.options.join(', ')}`);
  if (kind !== 'shell') throw new Error(`${label}: probe solo existe para kind="shell"`);
  return probe.data;
}

function labOf(node: MdxJsxFlowElement, kind: SnippetKind, label: string): RunnableLab | undefined {
  const value = attribute(node, 'lab');
  if (value === undefined) return undefined;
  const lab = RunnableLab.safeParse(value);
  if (!lab.success) throw new Error(`${label}: lab debe ser uno de ${RunnableLab.options.join(', ')}`);
  if (kind !== 'shell') throw new Error(`${label}: lab solo existe para kind="shell"`);
  return lab.data;
}

function setAttribute(node: MdxJsxFlowElement, name: string, value: string) {
  node.attributes = node.attributes.filter((a) => !(a.type === 'mdxJsxAttribute' && a.name === name));
  node.attributes.push({ type: 'mdxJsxAttribute', name, value });
}

const isTag = (name: string) => (node: MdxJsxFlowElement) => node.name === name;

/**
 * A `<Reto id kind title>`: its statement (the Markdown inside), its starter (the code fences
 * directly inside), `<Pista>` hints (left in place, shown one at a time) and one `<Solucion>`
 * with the same files (taken out of the page: the server hands it over when the student asks).
 * Its checks are the definition lib/retos/exercises holds for "<course>/<lesson>/<id>".
 */
function reto(node: MdxJsxFlowElement, lessonKey: string): { meta: ExerciseMeta; runnable: RunnableMeta } {
  const shortId = attribute(node, 'id') ?? '';
  const label = `<Reto id="${shortId}">`;
  if (!/^[a-z0-9-]+$/.test(shortId)) throw new Error(`<Reto>: id es obligatorio, en minúsculas y guiones (por ejemplo id="tres-particiones")`);
  const title = attribute(node, 'title');
  if (!title) throw new Error(`${label}: falta title="…"`);
  const kind = kindOf(node, label);
  const runs = runsOf(node, label);
  const id = `${lessonKey}/${shortId}`;
  const definition = findExercise(id);
  if (!definition) throw new Error(`${label}: no existe la comprobación «${id}»; añádela en lib/retos/exercises/`);
  if (definition.kind !== kind) throw new Error(`${label}: su comprobación es de kind ${definition.kind}, no ${kind}`);
  const starter = filesOf(node, label, (child) => isTag('Solucion')(child) || isTag('Pista')(child));
  if (starter.length === 0) throw new Error(`${label}: falta el código de partida (un bloque de código dentro de <Reto>)`);
  const solutions = node.children.filter((c): c is MdxJsxFlowElement => c.type === 'mdxJsxFlowElement' && c.name === 'Solucion');
  if (solutions.length !== 1) throw new Error(`${label}: necesita exactamente una <Solucion> con su código`);
  const solution = filesOf(solutions[0]!, label);
  const names = (files: SnippetFile[]) => files.map((f) => f.name).join(', ');
  if (names(solution) !== names(starter)) throw new Error(`${label}: la <Solucion> debe tener los mismos archivos que el código de partida (${names(starter)}), tiene ${names(solution) || 'ninguno'}`);
  const hints = node.children.filter((c) => c.type === 'mdxJsxFlowElement' && c.name === 'Pista').length;
  if (hints === 0) throw new Error(`${label}: necesita al menos una <Pista>`);
  // The page keeps the statement and the hints; the code becomes props, the solution stays on the server.
  node.children = node.children.filter((c) => c.type !== 'code' && !(c.type === 'mdxJsxFlowElement' && c.name === 'Solucion'));
  setAttribute(node, 'id', id);
  setAttribute(node, 'files', JSON.stringify(starter));
  return { meta: { id, lesson: lessonKey, title, kind, runs, starter, solution, hints }, runnable: { id, kind, runs } };
}

/**
 * Turns the fenced code blocks inside `<Runnable>` into a `files` prop (JSON), so the editor
 * receives the raw code while authors keep writing ordinary Markdown code fences; `<Reto>` the
 * same, plus its hints and solution (see {@link reto}).
 * Errors name the Runnable so a broken lesson fails the build with a useful message.
 * `onRunnable` sees each example's id and declared properties (the server's index of them);
 * `onExercise` each Reto.
 */
export function remarkRunnable(options: { lessonKey: string; onRunnable?: (meta: RunnableMeta) => void; onExercise?: (meta: ExerciseMeta) => void }) {
  return (tree: Root) => {
    const slugger = new GithubSlugger();
    const seen = new Set<string>();
    const claim = (id: string, label: string) => {
      if (seen.has(id)) throw new Error(`${label}: hay otro ejemplo o reto con el id «${id}» en la lección`);
      seen.add(id);
    };
    visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
      if (node.name === 'Reto') {
        const { meta, runnable } = reto(node, options.lessonKey);
        claim(meta.id, `<Reto id="${meta.id}">`);
        options.onRunnable?.(runnable);
        options.onExercise?.(meta);
        return 'skip';
      }
      if (node.name !== 'Runnable') return;
      const title = attribute(node, 'title') ?? '(sin título)';
      const label = `<Runnable title="${title}">`;
      const kind = kindOf(node, label);
      const files = filesOf(node, label);
      if (files.length === 0) throw new Error(`${label}: no contiene ningún bloque de código`);
      const runs = runsOf(node, label);
      const probe = probeOf(node, kind, label);
      const lab = labOf(node, kind, label);
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'files', value: JSON.stringify(files) });
      // A stable id per example: where edits are kept in the browser and, later, on the server.
      const id = `${options.lessonKey}/${slugger.slug(title)}`;
      claim(id, label);
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'id', value: id });
      options.onRunnable?.({ id, kind, runs, ...(probe ? { probe } : {}), ...(lab ? { lab } : {}) });
      node.children = [];
    });
  };
}
