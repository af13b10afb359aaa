'use client';

import Editor, { loader, type OnMount } from '@monaco-editor/react';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { SnippetFile } from '@/lib/content/schema';
import { markEditorTiming } from './editor-timing';
import { loadKafkajsTypes, monaco } from './monaco-setup.client';

// Use the bundled Monaco instead of @monaco-editor/react's default CDN loader.
loader.config({ monaco });

export interface CodeEditorProps {
  /** Unique per example, so two examples never share a Monaco model. */
  modelPath: string;
  file: SnippetFile;
  /** Initial content; later edits stay inside Monaco and are reported through onChange. */
  value: string;
  onChange: (value: string) => void;
  /** Called on Ctrl/Cmd+Enter. */
  onRun: () => void;
  /** Errors to underline in this file (syntax errors, the line a runtime exception came from). */
  markers?: EditorMarker[];
  /** Receives this editor's handle once Monaco is ready (and undefined when it goes away). */
  onHandle?: (handle: EditorHandle | undefined) => void;
}

/** What the runnable may do to a mounted editor without remounting it. */
export interface EditorHandle {
  /**
   * Replaces the whole text as one undoable edit (Ctrl+Z brings the previous text back).
   * @returns false when the text already was `value`.
   */
  replaceAll: (value: string) => boolean;
  /** Undoes the last edit, as Ctrl+Z would. */
  undo: () => void;
  focus: () => void;
}

export interface EditorMarker {
  line: number;
  column: number;
  message: string;
}

const NO_MARKERS: EditorMarker[] = [];

type EditorOptions = NonNullable<Parameters<typeof Editor>[0]['options']>;

/** Monaco's line height at fontSize 14, and the padding above and below the code. */
const LINE_HEIGHT = 19;
const PADDING = 8;
/** An editor grows with its code up to this many lines, then scrolls. */
const MAX_LINES = 60;
const MIN_LINES = 6;
const heightFor = (contentHeight: number) => Math.min(Math.max(contentHeight, MIN_LINES * LINE_HEIGHT + 2 * PADDING), MAX_LINES * LINE_HEIGHT + 2 * PADDING);

/** Keys that only modify the next one: pressing Shift for Shift+Tab must not disarm Escape. */
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'Meta']);

/** Tracks the page theme (data-theme on <html>) so Monaco follows light/dark. */
function usePageTheme(): 'cauce-light' | 'cauce-dark' {
  const read = () => (document.documentElement.dataset.theme === 'dark' ? 'cauce-dark' : 'cauce-light');
  const [theme, setTheme] = useState<'cauce-light' | 'cauce-dark'>(read);
  useEffect(() => {
    const observer = new MutationObserver(() => setTheme(read()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return theme;
}

/** Next focusable element after (or before) the editor, for the Escape-then-Tab escape hatch. */
function focusNeighbour(from: HTMLElement, backwards: boolean) {
  // What Tab itself would stop at: no tabindex="-1" (a tab list's other tabs), nothing disabled or hidden.
  const focusables = Array.from(document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select, textarea, summary, [tabindex]')).filter(
    (el) => el.tabIndex >= 0 && !from.contains(el) && el.offsetParent !== null,
  );
  const after = focusables.filter((el) => from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const before = focusables.filter((el) => from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
  (backwards ? before.at(-1) : after[0])?.focus();
}

export default function CodeEditor({ modelPath, file, value, onChange, onRun, markers = NO_MARKERS, onHandle }: CodeEditorProps) {
  const theme = usePageTheme();
  const editorRef = useRef<Parameters<OnMount>[0] | null>(null);
  const [mounted, setMounted] = useState(false);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'cauce',
      markers.map((m) => ({
        severity: monaco.MarkerSeverity.Error,
        message: m.message,
        startLineNumber: m.line,
        startColumn: m.column,
        endLineNumber: m.line,
        endColumn: Math.max(m.column + 1, model.getLineMaxColumn(Math.min(m.line, model.getLineCount()))),
      })),
    );
    if (markers[0]) editorRef.current?.revealLineInCenterIfOutsideViewport(markers[0].line);
  }, [markers, mounted]);
  // Monaco keeps the Ctrl+Enter command from the first mount: it calls the latest onRun through this.
  const runRef = useRef(onRun);
  useLayoutEffect(() => {
    runRef.current = onRun;
  });
  // First guess from the line count (no jump when Monaco appears), then Monaco's own content
  // height, which counts wrapped lines and follows the student's edits.
  const [height, setHeight] = useState(() => heightFor(value.split('\n').length * LINE_HEIGHT + 2 * PADDING));
  const handleRef = useRef(onHandle);
  useLayoutEffect(() => {
    handleRef.current = onHandle;
  });
  useEffect(() => () => handleRef.current?.(undefined), []);

  const onMount: OnMount = (editor, m) => {
    editorRef.current = editor;
    // A remount (after "Restablecer") may find the previous model still alive: start from `value`.
    if (editor.getValue() !== value) editor.setValue(value);
    setMounted(true);
    markEditorTiming('ready');
    setHeight(heightFor(editor.getContentHeight()));
    editor.onDidContentSizeChange((event) => {
      if (event.contentHeightChanged) setHeight(heightFor(event.contentHeight));
    });
    handleRef.current?.({
      replaceAll(next) {
        const model = editor.getModel();
        if (!model || model.getValue() === next) return false;
        // One edit between two undo stops: a single Ctrl+Z brings the student's code back.
        editor.pushUndoStop();
        editor.executeEdits('cauce-reset', [{ range: model.getFullModelRange(), text: next, forceMoveMarkers: true }]);
        editor.pushUndoStop();
        editor.setPosition({ lineNumber: 1, column: 1 });
        return true;
      },
      undo: () => editor.trigger('cauce-reset', 'undo', null),
      focus: () => editor.focus(),
    });
    if (file.language === 'typescript') void loadKafkajsTypes();
    editor.addCommand(m.KeyMod.CtrlCmd | m.KeyCode.Enter, () => runRef.current());
    // Keyboard users are not trapped: Escape, then Tab (or Shift+Tab) moves focus out.
    let escapeArmed = false;
    editor.onKeyDown((event) => {
      if (MODIFIER_KEYS.has(event.browserEvent.key)) return;
      if (event.keyCode === m.KeyCode.Escape) {
        escapeArmed = true;
        return;
      }
      if (event.keyCode === m.KeyCode.Tab && escapeArmed) {
        event.preventDefault();
        event.stopPropagation();
        const container = editor.getContainerDomNode();
        (document.activeElement as HTMLElement | null)?.blur();
        focusNeighbour(container, event.shiftKey);
      }
      escapeArmed = false;
    });
  };

  const options = useMemo<EditorOptions>(
    () => ({
      minimap: { enabled: false },
      fontSize: 14,
      scrollBeyondLastLine: false,
      automaticLayout: true,
      tabSize: file.language === 'python' ? 4 : 2,
      ariaLabel: `Editor de ${file.name}. Ctrl+Enter ejecuta; Escape y luego Tab (o Mayús+Tab) sale del editor.`,
      renderLineHighlight: 'line',
      // Long lines wrap instead of hiding past the right edge; continuations are indented one
      // more level, so wrapped Python still reads as one line.
      wordWrap: 'on',
      wrappingIndent: 'indent',
      padding: { top: PADDING, bottom: PADDING },
      lineNumbersMinChars: 3, // examples stay under 1,000 lines: two more columns for code on a phone
      scrollbar: { alwaysConsumeMouseWheel: false }, // the page scrolls on when the editor cannot
      renderFinalNewline: 'on', // the default dims the last line number below AA contrast
    }),
    [file.language, file.name],
  );

  return (
    <Editor
      height={height}
      language={file.language}
      path={modelPath}
      defaultValue={value}
      theme={theme}
      onChange={(next) => onChange(next ?? '')}
      onMount={onMount}
      loading={<pre className="editor-fallback">{value}</pre>}
      options={options}
    />
  );
}
