'use client';

/**
 * A trimmed Monaco: the editor core, its standard contributions, and only the three languages
 * lessons use. Everything is bundled by Next and served by the app itself (no CDN), and this
 * module is only reached through a dynamic import once an editor scrolls into view.
 */
// Monaco's own UI in Spanish (hovers, quick fixes, the command palette): the Spanish message
// table shipped in the package sets Monaco's NLS globals, so it must run before any Monaco module.
import 'monaco-editor/nls/lang/es';
import * as monaco from 'monaco-editor/editor/editor.api';
// Only the contributions a student uses (Monaco's register.all adds some 70, among them the diff
// editor, sticky scroll, inline completions, colour pickers, code lenses): each is JavaScript
// the browser parses before the first editor appears.
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/codeAction/register';
import 'monaco-editor/features/codicon/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/cursorUndo/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/format/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/gotoSymbol/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/lineSelection/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/links/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/parameterHints/register';
import 'monaco-editor/features/quickCommand/register';
import 'monaco-editor/features/quickHelp/register';
import 'monaco-editor/features/rename/register';
import 'monaco-editor/features/smartSelect/register';
import 'monaco-editor/features/snippet/register';
import 'monaco-editor/features/toggleTabFocusMode/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';
// The suggest widget itself (register.all reaches it only through inline completions).
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/shell/register';
import 'monaco-editor/languages/definitions/typescript/register';
import { typescriptDefaults } from 'monaco-editor/languages/features/typescript/register';

declare global {
  interface Window {
    MonacoEnvironment?: monaco.Environment;
  }
}

window.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    if (label === 'typescript' || label === 'javascript') {
      return new Worker(new URL('monaco-editor/language/typescript/ts.worker', import.meta.url), { type: 'module' });
    }
    return new Worker(new URL('monaco-editor/editor/editor.worker', import.meta.url), { type: 'module' });
  },
};

/** Opacity (the alpha of this colour) of code TypeScript reports as unused, in both themes. */
const UNNECESSARY_CODE_OPACITY = '#000000cc';

// Monaco's stock themes have a few tokens under WCAG AA contrast (4.5:1): override just those.
monaco.editor.defineTheme('cauce-light', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'attribute.name', foreground: 'c00000' },
    { token: 'meta', foreground: '5b6472' },
    { token: 'metatag', foreground: 'b00000' },
  ],
  colors: {
    // Code TypeScript finds unused (a Reto's starter declares what the student will use) is
    // faded: at the stock opacity it reads 3.5:1 (axe, once the TS worker has answered). 80 % keeps it faded and legible.
    'editorUnnecessaryCode.opacity': UNNECESSARY_CODE_OPACITY,
  },
});
monaco.editor.defineTheme('cauce-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'comment', foreground: '6a9955' },
    { token: 'comment.doc', foreground: '6a9955' },
    { token: 'meta', foreground: 'a0a0a0' },
  ],
  colors: {
    'editorLineNumber.foreground': '#8b8b8b',
    // The stock grey behind the other occurrences of the word under the cursor leaves keywords
    // at 3.2:1: a darker fill keeps every token over 4.5:1, a border keeps the occurrences visible.
    'editor.wordHighlightBackground': '#262626',
    'editor.wordHighlightStrongBackground': '#262626',
    'editor.wordHighlightBorder': '#7a7a7a',
    'editor.wordHighlightStrongBorder': '#7a7a7a',
    'editor.selectionHighlightBackground': '#262626',
    'editor.selectionHighlightBorder': '#7a7a7a',
    'editorUnnecessaryCode.opacity': UNNECESSARY_CODE_OPACITY,
  },
});

typescriptDefaults.setCompilerOptions({
  target: 99, // ESNext
  module: 99, // ESNext: snippets use top-level await
  moduleResolution: 2, // Node
  strict: true,
  allowNonTsExtensions: true,
  lib: ['esnext'],
});

let kafkajsTypes: Promise<void> | undefined;

/** Loads kafkajs declarations once, from the app, so `kafka.` autocompletes in TypeScript editors. */
export function loadKafkajsTypes(): Promise<void> {
  kafkajsTypes ??= fetch('/monaco/kafkajs.d.ts')
    .then((response) => (response.ok ? response.text() : Promise.reject(new Error(String(response.status)))))
    .then((source) => {
      typescriptDefaults.addExtraLib(source, 'file:///node_modules/@types/kafkajs/index.d.ts');
    })
    .catch(() => {
      kafkajsTypes = undefined; // autocomplete is a nicety: retry on the next editor
    });
  return kafkajsTypes;
}

export { monaco };
