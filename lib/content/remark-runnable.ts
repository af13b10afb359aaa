import type { Code, Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import GithubSlugger from 'github-slugger';
import { visit } from 'unist-util-visit';
import { SnippetKind, type SnippetFile } from './schema';

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
}

/**
 * Turns the fenced code blocks inside `<Runnable>` into a `files` prop (JSON), so the editor
 * receives the raw code while authors keep writing ordinary Markdown code fences.
 * Errors name the Runnable so a broken lesson fails the build with a useful message.
 * `onRunnable` sees each example's id and declared properties (the server's index of them).
 */
export function remarkRunnable(options: { lessonKey: string; onRunnable?: (meta: RunnableMeta) => void }) {
  return (tree: Root) => {
    const slugger = new GithubSlugger();
    visit(tree, 'mdxJsxFlowElement', (node: MdxJsxFlowElement) => {
      if (node.name !== 'Runnable') return;
      const label = attribute(node, 'title') ?? '(sin título)';
      const kind = SnippetKind.safeParse(attribute(node, 'kind'));
      if (!kind.success) {
        throw new Error(`<Runnable title="${label}">: kind debe ser uno de ${SnippetKind.options.join(', ')}`);
      }
      const files: SnippetFile[] = [];
      visit(node, 'code', (code: Code) => {
        const language = LANGUAGES[code.lang ?? ''];
        const name = titleOf(code.meta);
        if (!language || !name) {
          throw new Error(`<Runnable title="${label}">: cada bloque necesita lenguaje (ts, py, bash) y title="archivo"`);
        }
        files.push({ name, language, code: code.value + '\n' });
      });
      if (files.length === 0) throw new Error(`<Runnable title="${label}">: no contiene ningún bloque de código`);
      const runs = attribute(node, 'runs') ?? 'to-end';
      if (!(RUNS as readonly string[]).includes(runs)) throw new Error(`<Runnable title="${label}">: runs debe ser uno de ${RUNS.join(', ')}`);
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'files', value: JSON.stringify(files) });
      // A stable id per example: where edits are kept in the browser and, later, on the server.
      const id = `${options.lessonKey}/${slugger.slug(label)}`;
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'id', value: id });
      options.onRunnable?.({ id, kind: kind.data, runs: runs as Runs });
      node.children = [];
    });
  };
}
