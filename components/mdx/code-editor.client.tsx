'use client';

import Editor, { loader, type OnMount } from '@monaco-editor/react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { SnippetFile } from '@/lib/content/schema';
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
}

export interface EditorMarker {
  line: number;
  column: number;
  message: string;
}

const NO_MARKERS: EditorMarker[] = [];

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
  const focusables = Array.from(document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, select, textarea, [tabindex]:not([tabindex="-1"])')).filter(
    (el) => !from.contains(el) && el.offsetParent !== null,
  );
  const after = focusables.filter((el) => from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  const before = focusables.filter((el) => from.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING);
  (backwards ? before.at(-1) : after[0])?.focus();
}

export default function CodeEditor({ modelPath, file, value, onChange, onRun, markers = NO_MARKERS }: CodeEditorProps) {
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
  const lineCount = value.split('\n').length;
  const height = Math.min(Math.max(lineCount, 6), 32) * 19 + 16;

  const onMount: OnMount = (editor, m) => {
    editorRef.current = editor;
    // A remount (after "Restablecer") may find the previous model still alive: start from `value`.
    if (editor.getValue() !== value) editor.setValue(value);
    setMounted(true);
    if (file.language === 'typescript') void loadKafkajsTypes();
    editor.addCommand(m.KeyMod.CtrlCmd | m.KeyCode.Enter, () => runRef.current());
    // Keyboard users are not trapped: Escape, then Tab (or Shift+Tab) moves focus out.
    let escapeArmed = false;
    editor.onKeyDown((event) => {
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
      options={{
        minimap: { enabled: false },
        fontSize: 14,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        tabSize: file.language === 'python' ? 4 : 2,
        ariaLabel: `Editor de ${file.name}. Ctrl+Enter ejecuta; Escape y luego Tab sale del editor.`,
        renderLineHighlight: 'line',
        wordWrap: 'off',
        renderFinalNewline: 'on', // the default dims the last line number below AA contrast
      }}
    />
  );
}
