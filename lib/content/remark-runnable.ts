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

/**
 * Turns the fenced code blocks inside `<Runnable>` into a `files` prop (JSON), so the editor
 * receives the raw code while authors keep writing ordinary Markdown code fences.
 * Errors name the Runnable so a broken lesson fails the build with a useful message.
 */
export function remarkRunnable(options: { lessonKey: string }) {
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
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'files', value: JSON.stringify(files) });
      // A stable id per example: where edits are kept in the browser and, later, on the server.
      node.attributes.push({ type: 'mdxJsxAttribute', name: 'id', value: `${options.lessonKey}/${slugger.slug(label)}` });
      node.children = [];
    });
  };
}
