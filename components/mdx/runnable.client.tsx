'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { loadLessonEdits, saveEdits } from '@/app/progreso/actions';
import { useRun } from '@/components/runs/use-run.client';
import { keepsProgressOnServer, sessionInfo } from '@/components/site/session.client';
import type { SnippetFile, SnippetKind } from '@/lib/content/schema';
import type { EditorMarker } from './code-editor.client';

import { SchedulerPanel, useScheduler } from '@/components/runs/scheduler-panel.client';

// Only needed once the student runs something: kept out of the lesson's first load.
const OutputPanel = dynamic(() => import('@/components/runs/output-panel.client').then((m) => m.OutputPanel), { ssr: false });

const CodeEditor = dynamic(() => import('./code-editor.client'), {
  ssr: false,
  loading: () => <p className="editor-loading">Cargando editor…</p>,
});

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
}

/** Mounts children only once the element has come near the viewport (Monaco is heavy). */
function useNearViewport<T extends Element>() {
  const ref = useRef<T>(null);
  const [near, setNear] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (!element || near) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setNear(true);
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
        persist(next);
        return next;
      });
    },
    [persist],
  );
  const reset = useCallback(() => {
    persist(null);
    setContents(files.map((f) => f.code));
    setVersion((v) => v + 1);
  }, [files, persist]);
  const edited = contents.some((code, i) => code !== files[i]?.code);
  return { contents, update, reset, edited, version };
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

export function RunnableClient({ id, kind, title, files, canRun }: RunnableClientProps) {
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
    void start(request());
  }, [canRun, busy, start, request]);

  const markersByFile = useMemo(() => {
    const map = new Map<string, EditorMarker[]>();
    if (markersCleared) return map;
    for (const d of view.diagnostics) map.set(d.file, [...(map.get(d.file) ?? []), d]);
    return map;
  }, [view.diagnostics, markersCleared]);

  return (
    <section ref={ref} className="runnable" aria-label={`Ejemplo ejecutable: ${title}`} data-kind={kind}>
      <header className="runnable-header">
        <span className="runnable-title">{title}</span>
        <span className="badge" aria-label={`Lenguaje: ${languages}`}>
          {languages}
        </span>
      </header>
      <div className={files.length > 1 ? 'runnable-files runnable-files-split' : 'runnable-files'}>
        {files.map((file, index) => (
          <div key={file.name} className="runnable-file">
            <div className="runnable-file-name">{file.name}</div>
            <div className="editor-frame">
              {near ? (
                <CodeEditor
                  key={version}
                  modelPath={`file:///${id}/${file.name}`}
                  file={file}
                  value={contents[index] ?? file.code}
                  onChange={(v) => {
                    update(index, v);
                    setMarkersCleared(true);
                  }}
                  onRun={run}
                  markers={markersByFile.get(file.name)}
                />
              ) : (
                <pre className="editor-fallback">{contents[index]}</pre>
              )}
            </div>
          </div>
        ))}
      </div>
      <footer className="runnable-actions">
        <button
          type="button"
          className="button"
          onClick={() => {
            reset();
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
            Ejecutar
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
        <kbd className="shortcut" aria-hidden="true">
          Ctrl+Enter
        </kbd>
      </footer>
      {view.phase !== 'idle' && <OutputPanel view={view} />}
      <SchedulerPanel scheduler={scheduler} />
    </section>
  );
}
