'use client';

import dynamic from 'next/dynamic';
import { lazy, Suspense, useCallback, useEffect, useId, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import { loadLessonEdits, saveEdits } from '@/app/progreso/actions';
import { useRun } from '@/components/runs/use-run.client';
import { keepsProgressOnServer, sessionInfo } from '@/components/site/session.client';
import type { SnippetFile, SnippetKind } from '@/lib/content/schema';
import type { EditorHandle, EditorMarker } from './code-editor.client';
import { markEditorTiming } from './editor-timing';

import { SchedulerPanel, useScheduler } from '@/components/runs/scheduler-panel.client';
import { FileTabs } from './file-tabs.client';

// Only needed once the student runs something: kept out of the lesson's first load.
const OutputPanel = dynamic(() => import('@/components/runs/output-panel.client').then((m) => m.OutputPanel), { ssr: false });

// Reached only once the example comes near the viewport (never on the server); while Monaco
// loads, the code stays on screen as plain text (CodeFallback), so nothing jumps.
const loadCodeEditor = () => import('./code-editor.client');
const CodeEditor = lazy(loadCodeEditor);

let preloadScheduled = false;
/**
 * A lesson with an example is read to reach it: once the page has loaded and the browser is
 * idle, Monaco loads in the background, so an editor reached by scrolling or from the table of
 * contents is ready on arrival rather than a second later.
 */
function preloadEditorWhenIdle() {
  if (preloadScheduled) return;
  preloadScheduled = true;
  const whenIdle = () => {
    if ('requestIdleCallback' in window) window.requestIdleCallback(() => void loadCodeEditor(), { timeout: 5000 });
    else setTimeout(() => void loadCodeEditor(), 1000); // Safari
  };
  if (document.readyState === 'complete') whenIdle();
  else window.addEventListener('load', whenIdle, { once: true });
}

function CodeFallback({ code }: { code: string }) {
  return <pre className="editor-fallback">{code}</pre>;
}

const LANGUAGE_LABEL: Record<SnippetFile['language'], string> = {
  typescript: 'TypeScript',
  python: 'Python',
  shell: 'Shell',
};

const STORAGE_PREFIX = 'cauce:code:';

export interface RunnableClientProps {
  id: string;
  kind: SnippetKind;
  title: string;
  files: SnippetFile[];
  /** Whether the lab can run this kind yet; otherwise "Ejecutar" explains why it is disabled. */
  canRun: boolean;
  /** The run button's text (a Reto's: «Ejecutar y comprobar»). @default 'Ejecutar' */
  runLabel?: string;
  /** Told when a run starts and when one ends (once per run, also for a run found again after a reload). */
  onRunStart?: () => void;
  onRunEnded?: (runId: string) => void;
  /** Told when a run was refused before it ran, with the page's Spanish reason; `syntax`: the code has errors marked in the editor. */
  onRunRefused?: (message: string, syntax: boolean) => void;
  /** What a Reto does to the editors from outside (copy its solution in). */
  controls?: Ref<RunnableControls>;
}

export interface RunnableControls {
  /** Puts these contents (one per file) in the editors as an edit the student can undo. */
  replaceCode(codes: string[]): void;
}

/**
 * Mounts children only once the element has come near the viewport (Monaco is heavy). Monaco's
 * code loads before that: when the page is idle, or at the latest a screen and a half ahead.
 */
function useNearViewport<T extends Element>() {
  const ref = useRef<T>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || near) return;
    preloadEditorWhenIdle();
    const ahead = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        ahead.disconnect();
        void loadCodeEditor();
      },
      { rootMargin: '150% 0px' },
    );
    ahead.observe(element);
    return () => ahead.disconnect();
  }, [near]);
  useEffect(() => {
    const element = ref.current;
    if (!element || near) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        markEditorTiming('near');
        setNear(true);
      },
      { rootMargin: '200px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [near]);
  return { ref, near };
}

/** Debounce of server saves while typing (course mode). */
const SAVE_DELAY_MS = 800;

/**
 * Student edits survive a reload: kept per example until "Restablecer" — in this browser's
 * localStorage when studying alone, on the server (app/progreso/actions.ts) when a student of
 * a course is signed in, so their code comes back on any browser.
 * The editors are uncontrolled (a controlled Monaco loses keystrokes typed faster than React
 * renders); `version` changes when the code is replaced from outside, to remount them.
 */
function useSavedCode(id: string, files: SnippetFile[]) {
  const initial = files.map((f) => f.code);
  const [contents, setContents] = useState(initial);
  const [version, setVersion] = useState(0);
  /** Where edits go; undefined until the session is known. */
  const store = useRef<'local' | 'server' | 'none'>(undefined);
  const saveTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => {
    let live = true;
    const restore = (saved: unknown) => {
      if (live && Array.isArray(saved) && saved.length === files.length) {
        setContents(saved.map(String));
        setVersion((v) => v + 1);
      }
    };
    void sessionInfo().then(async (info) => {
      if (info.mode === 'course') {
        store.current = keepsProgressOnServer(info) ? 'server' : 'none';
        if (store.current === 'server') restore((await lessonEdits(id.split('/').slice(0, 2).join('/')))[id]);
        return;
      }
      store.current = 'local';
      const saved = window.localStorage.getItem(STORAGE_PREFIX + id);
      if (!saved) return;
      try {
        restore(JSON.parse(saved));
      } catch {
        window.localStorage.removeItem(STORAGE_PREFIX + id);
      }
    });
    return () => {
      live = false;
    };
  }, [id, files.length]);
  const persist = useCallback(
    (next: string[] | null) => {
      if (store.current === 'local') {
        if (next) window.localStorage.setItem(STORAGE_PREFIX + id, JSON.stringify(next));
        else window.localStorage.removeItem(STORAGE_PREFIX + id);
      } else if (store.current === 'server') {
        clearTimeout(saveTimer.current);
        if (next) saveTimer.current = setTimeout(() => void saveEdits(id, next).catch(() => undefined), SAVE_DELAY_MS);
        else void saveEdits(id, null).catch(() => undefined);
      }
    },
    [id],
  );
  const update = useCallback(
    (index: number, value: string) => {
      setContents((current) => {
        const next = current.map((code, i) => (i === index ? value : code));
        // Back to the lesson's code (an undoable Restablecer, or edits undone): nothing to keep.
        persist(next.every((code, i) => code === files[i]?.code) ? null : next);
        return next;
      });
    },
    [files, persist],
  );
  /** Replaces the code outright (editors not mounted yet); the lesson's code when `codes` is omitted. */
  const reset = useCallback(
    (codes?: string[]) => {
      const next = codes ?? files.map((f) => f.code);
      persist(next.every((code, i) => code === files[i]?.code) ? null : next);
      setContents(next);
      setVersion((v) => v + 1);
    },
    [files, persist],
  );
  const edited = contents.some((code, i) => code !== files[i]?.code);
  return { contents, update, reset, edited, version };
}

/**
 * "Restablecer" as an edit the student can take back: each mounted editor gets the lesson's code
 * as one undoable edit (Ctrl+Z in the editor, or "Deshacer" in the notice, brings theirs back),
 * and the saved code follows through the editors' onChange. Before Monaco has mounted there is
 * nothing to undo in, so the code is replaced outright.
 */
function useUndoableReset(files: SnippetFile[], replaceOutright: (codes?: string[]) => void) {
  const editors = useRef<(EditorHandle | undefined)[]>([]);
  /** Which editors the last reset changed, while its notice is shown. */
  const [changed, setChanged] = useState<number[] | null>(null);
  const resetting = useRef(false);
  const undoButton = useRef<HTMLButtonElement>(null);
  const resetButton = useRef<HTMLButtonElement>(null);
  // Restablecer turns disabled under the focus: the focus moves to Deshacer, and back.
  const focusAfter = useRef<'undo' | 'reset' | null>(null);
  useEffect(() => {
    const target = focusAfter.current === 'undo' ? undoButton.current : focusAfter.current === 'reset' ? resetButton.current : null;
    focusAfter.current = null;
    target?.focus();
  }, [changed]);

  /** The lesson's code back, or `codes` (a Reto's solution) in. */
  const resetCode = useCallback(
    (codes?: string[]) => {
      const handles = files.map((_, i) => editors.current[i]);
      if (!handles.every(Boolean)) {
        replaceOutright(codes);
        return;
      }
      resetting.current = true;
      const indexes = files.flatMap((file, i) => (handles[i]!.replaceAll(codes?.[i] ?? file.code) ? [i] : []));
      resetting.current = false;
      if (document.activeElement === resetButton.current) focusAfter.current = 'undo';
      setChanged(codes ? null : indexes);
    },
    [files, replaceOutright],
  );

  const undoReset = useCallback(() => {
    const indexes = changed ?? [];
    resetting.current = true;
    for (const i of indexes) editors.current[i]?.undo();
    resetting.current = false;
    focusAfter.current = 'reset';
    setChanged(null);
  }, [changed]);

  /** Any edit of the student's own (typing, Ctrl+Z) makes the notice moot. */
  const onEdited = useCallback(() => {
    if (!resetting.current) setChanged(null);
  }, []);

  return { editors, notice: changed !== null, resetCode, undoReset, onEdited, undoButton, resetButton };
}

/** One request per lesson page for all its editors' saved code (course mode). */
const lessonEditsCache = new Map<string, Promise<Record<string, string[]>>>();
function lessonEdits(lesson: string): Promise<Record<string, string[]>> {
  let cached = lessonEditsCache.get(lesson);
  if (!cached) {
    cached = loadLessonEdits(lesson).catch(() => ({}));
    lessonEditsCache.set(lesson, cached);
  }
  return cached;
}

export function RunnableClient({ id, kind, title, files, canRun, runLabel = 'Ejecutar', onRunStart, onRunEnded, onRunRefused, controls }: RunnableClientProps) {
  const { ref, near } = useNearViewport<HTMLElement>();
  const { contents, update, reset, edited, version } = useSavedCode(id, files);
  const { view, start, stop, clear } = useRun(id);
  const scheduler = useScheduler();
  const [markersCleared, setMarkersCleared] = useState(false);
  const languages = [...new Set(files.map((f) => LANGUAGE_LABEL[f.language]))].join(' + ');
  const busy = view.phase === 'starting' || view.phase === 'queued' || view.phase === 'running';
  const hintId = `${id}-run-hint`;

  const request = useCallback(
    () => ({
      lesson: id.split('/').slice(0, 2).join('/'),
      snippet: id,
      kind,
      files: files.map((file, i) => ({ name: file.name, content: contents[i] ?? file.code })),
    }),
    [id, kind, files, contents],
  );

  const run = useCallback(() => {
    if (!canRun || busy) return;
    setMarkersCleared(false);
    onRunStart?.();
    void start(request());
  }, [canRun, busy, start, request, onRunStart]);

  // Each ended run is told once (a Reto checks it); a run found again after a reload too.
  const told = useRef<string | null>(null);
  useEffect(() => {
    if (view.phase !== 'ended' || !view.exit || !view.runId || told.current === view.runId) return;
    told.current = view.runId;
    onRunEnded?.(view.runId);
  }, [view.phase, view.exit, view.runId, onRunEnded]);
  useEffect(() => {
    if (view.phase === 'ended' && !view.runId && view.problem) onRunRefused?.(view.problem, view.diagnostics.length > 0);
  }, [view.phase, view.runId, view.problem, view.diagnostics, onRunRefused]);

  const markersByFile = useMemo(() => {
    const map = new Map<string, EditorMarker[]>();
    if (markersCleared) return map;
    for (const d of view.diagnostics) map.set(d.file, [...(map.get(d.file) ?? []), d]);
    return map;
  }, [view.diagnostics, markersCleared]);

  // Several files are tabs; a run's first error brings its file to the front.
  const [selected, setSelected] = useState(0);
  const [seenDiagnostics, setSeenDiagnostics] = useState(view.diagnostics);
  if (seenDiagnostics !== view.diagnostics) {
    setSeenDiagnostics(view.diagnostics);
    const withError = files.findIndex((f) => f.name === view.diagnostics[0]?.file);
    if (withError >= 0) setSelected(withError);
  }
  const tabsId = useId();
  const tabs = files.length > 1;

  const { editors, notice, resetCode, undoReset, onEdited, undoButton, resetButton } = useUndoableReset(files, reset);
  useImperativeHandle(controls, () => ({ replaceCode: (codes: string[]) => resetCode(codes) }), [resetCode]);

  return (
    <section ref={ref} className="runnable" aria-label={`Ejemplo ejecutable: ${title}`} data-kind={kind}>
      <header className="runnable-header">
        <span className="runnable-title">{title}</span>
        <span className="badge" aria-label={`Lenguaje: ${languages}`}>
          {languages}
        </span>
      </header>
      {tabs && (
        <FileTabs
          label={`Archivos del ejemplo: ${title}`}
          names={files.map((f) => f.name)}
          selected={selected}
          onSelect={setSelected}
          tabId={(i) => `${tabsId}-tab-${i}`}
          panelId={(i) => `${tabsId}-panel-${i}`}
          withErrors={new Set(markersByFile.keys())}
        />
      )}
      {files.map((file, index) => (
        <div
          key={file.name}
          className="runnable-file"
          {...(tabs && { role: 'tabpanel', id: `${tabsId}-panel-${index}`, 'aria-labelledby': `${tabsId}-tab-${index}`, hidden: index !== selected })}
        >
          {!tabs && <div className="runnable-file-name">{file.name}</div>}
          <div className="editor-frame">
            {near ? (
              <Suspense fallback={<CodeFallback code={contents[index] ?? file.code} />}>
                <CodeEditor
                  key={version}
                  modelPath={`file:///${id}/${file.name}`}
                  file={file}
                  value={contents[index] ?? file.code}
                  onChange={(v) => {
                    update(index, v);
                    onEdited();
                    setMarkersCleared(true);
                  }}
                  onRun={run}
                  markers={markersByFile.get(file.name)}
                  onHandle={(handle) => {
                    editors.current[index] = handle;
                  }}
                />
              </Suspense>
            ) : (
              <CodeFallback code={contents[index] ?? file.code} />
            )}
          </div>
        </div>
      ))}
      <footer className="runnable-actions">
        <button
          ref={resetButton}
          type="button"
          className="button"
          onClick={() => {
            resetCode();
            clear();
          }}
          disabled={!edited}
        >
          Restablecer
        </button>
        {busy ? (
          <button type="button" className="button button-stop" onClick={() => void stop()} disabled={view.stopping}>
            {view.stopping ? 'Deteniendo…' : 'Detener'}
          </button>
        ) : canRun ? (
          <button type="button" className="button button-primary" onClick={run}>
            {runLabel}
          </button>
        ) : (
          <span className="tooltip-host">
            <button type="button" className="button button-primary" aria-disabled="true" aria-describedby={hintId} onClick={(e) => e.preventDefault()}>
              Ejecutar
            </button>
            <span role="tooltip" id={hintId} className="tooltip">
              Este tipo de ejemplo aún no se puede ejecutar en el laboratorio; llegará en una próxima versión.
            </span>
          </span>
        )}
        {kind === 'airflow-dag' && canRun && (
          <button type="button" className="button" disabled={scheduler.phase === 'sending'} onClick={() => void scheduler.send(request())}>
            Enviar al scheduler
          </button>
        )}
        <span className="runnable-notice">
          <span role="status">{notice ? 'Código restablecido' : ''}</span>
          {notice && (
            <>
              <span aria-hidden="true"> · </span>
              <button ref={undoButton} type="button" className="link-button" onClick={undoReset}>
                Deshacer
              </button>
            </>
          )}
        </span>
        <kbd className="shortcut" aria-hidden="true">
          Ctrl+Enter
        </kbd>
      </footer>
      {view.phase !== 'idle' && <OutputPanel view={view} />}
      <SchedulerPanel scheduler={scheduler} />
    </section>
  );
}
