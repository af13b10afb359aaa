'use client';

import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { checkExercise, revealSolution } from '@/app/retos/actions';
import { retoAnchor } from '@/components/lesson/course-progress.client';
import { RunnableClient, type RunnableControls } from '@/components/mdx/runnable.client';
import { sessionInfo } from '@/components/site/session.client';
import type { SnippetFile, SnippetKind } from '@/lib/content/schema';
import type { Requirement, Verdict } from '@/lib/retos/schema';
import { markHints, markPassed, markSolutionSeen, useExerciseProgress } from './exercise-store.client';
import { InlineCode } from './inline-code';

export interface RetoClientProps {
  id: string;
  title: string;
  kind: SnippetKind;
  files: SnippetFile[];
  canRun: boolean;
  requirements: Requirement[];
  /** The `<Pista>` blocks, rendered on the server; shown one at a time. */
  hints: ReactNode[];
  /** The statement. */
  children: ReactNode;
}

type Check = { phase: 'idle' } | { phase: 'checking' } | { phase: 'done'; verdict: Verdict } | { phase: 'problem'; message: string };
type Solution = { phase: 'hidden' } | { phase: 'confirm' } | { phase: 'loading' } | { phase: 'shown'; files: SnippetFile[] } | { phase: 'problem'; message: string };

/** Each requirement: before a check what is asked; after it met or not, with what the lab holds. */
function Requirements({ requirements, check }: { requirements: Requirement[]; check: Check }) {
  const results = check.phase === 'done' ? check.verdict.requirements : undefined;
  return (
    <ul className="reto-requirements">
      {requirements.map((requirement) => {
        const result = results?.find((r) => r.id === requirement.id);
        const state = !result || check.phase !== 'done' || check.verdict.inconclusive ? 'pending' : result.met ? 'met' : 'unmet';
        return (
          <li key={requirement.id} className={`reto-requirement ${state}`}>
            <span className="reto-requirement-mark" aria-hidden="true">
              {state === 'met' ? '✓' : state === 'unmet' ? '✗' : '○'}
            </span>
            <span className="visually-hidden">{state === 'met' ? 'Cumplido: ' : state === 'unmet' ? 'No cumplido: ' : 'Por comprobar: '}</span>
            <span>
              <span className="reto-requirement-label">
                <InlineCode text={requirement.label} />
              </span>
              {result && state !== 'pending' && (
                <span className="reto-requirement-detail">
                  <InlineCode text={result.detail} />
                </span>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * A Reto on the page. After each run ends the server judges it against the lab's real state;
 * the verdict lists every requirement. Hints come one at a time; the solution after a
 * confirmation, with a button that copies it into the editor (an edit Ctrl+Z takes back).
 */
export function RetoClient({ id, title, kind, files, canRun, requirements, hints, children }: RetoClientProps) {
  const headingId = useId();
  const progress = useExerciseProgress();
  const passed = progress.passed.includes(id);
  const shownHints = Math.min(progress.help[id]?.hints ?? 0, hints.length);
  const [check, setCheck] = useState<Check>({ phase: 'idle' });
  const [solution, setSolution] = useState<Solution>({ phase: 'hidden' });
  const controls = useRef<RunnableControls>(null);
  const latestRun = useRef<string | null>(null);

  const [inCourse, setInCourse] = useState(false);
  useEffect(() => {
    void sessionInfo().then((info) => setInCourse(info.mode === 'course'));
  }, []);

  const onRunStart = useCallback(() => {
    latestRun.current = null; // a late verdict of the previous run must not land on this one
    setCheck({ phase: 'idle' });
  }, []);
  const onRunRefused = useCallback((message: string, syntax: boolean) => {
    latestRun.current = null;
    setCheck({
      phase: 'problem',
      message: syntax
        ? 'Tu código no llegó a ejecutarse (mira el motivo en la salida): corrígelo y vuelve a pulsar «Ejecutar y comprobar». Este intento no cuenta.'
        : `No se comprobó: ${message} Este intento no cuenta.`,
    });
  }, []);
  const onRunEnded = useCallback(
    (runId: string) => {
      latestRun.current = runId;
      setCheck({ phase: 'checking' });
      checkExercise(id, runId)
        .then((result) => {
          if (latestRun.current !== runId) return;
          if (!result.ok) return setCheck({ phase: 'problem', message: result.message });
          setCheck({ phase: 'done', verdict: result.verdict });
          if (result.verdict.passed) markPassed(id);
        })
        .catch(() => latestRun.current === runId && setCheck({ phase: 'problem', message: 'No se pudo contactar con el servidor para comprobar el reto. Vuelve a intentarlo.' }));
    },
    [id],
  );

  const showSolution = async () => {
    setSolution({ phase: 'loading' });
    const result = await revealSolution(id).catch(() => ({ ok: false as const, message: 'No se pudo contactar con el servidor. Vuelve a intentarlo.' }));
    if (!result.ok) return setSolution({ phase: 'problem', message: result.message });
    markSolutionSeen(id);
    setSolution({ phase: 'shown', files: result.files });
  };

  const verdict = check.phase === 'done' ? check.verdict : undefined;
  return (
    <section id={retoAnchor(id)} className={passed ? 'reto passed' : 'reto'} aria-labelledby={headingId} data-exercise={id}>
      <header className="reto-header">
        <span className="reto-kicker">Reto</span>
        <h3 id={headingId}>{title}</h3>
        <span className={passed ? 'badge badge-done' : 'badge'}>{passed ? '✓ Superado' : 'Pendiente'}</span>
      </header>
      <div className="reto-statement">{children}</div>
      <RunnableClient
        id={id}
        kind={kind}
        title={`Reto: ${title}`}
        files={files}
        canRun={canRun}
        runLabel="Ejecutar y comprobar"
        onRunStart={onRunStart}
        onRunEnded={onRunEnded}
        onRunRefused={onRunRefused}
        controls={controls}
      />
      <div className="reto-check">
        <h4>Requisitos</h4>
        <p className={`reto-summary ${verdict ? (verdict.passed ? 'passed' : verdict.inconclusive ? 'inconclusive' : 'failed') : ''}`} role="status">
          {check.phase === 'idle' && 'Pulsa «Ejecutar y comprobar»: al terminar tu programa se comprueba cada requisito en el laboratorio.'}
          {check.phase === 'checking' && 'Comprobando en el laboratorio…'}
          {check.phase === 'problem' && check.message}
          {verdict && verdict.summary}
        </p>
        <Requirements requirements={requirements} check={check} />
      </div>
      <div className="reto-help">
        {hints.slice(0, shownHints).map((hint, i) => (
          <div key={i} className="reto-hint" role="note" aria-label={`Pista ${i + 1} de ${hints.length}`}>
            <strong>
              Pista {i + 1} de {hints.length}.
            </strong>{' '}
            {hint}
          </div>
        ))}
        <div className="reto-help-actions">
          {shownHints < hints.length && (
            <button type="button" className="button" onClick={() => markHints(id, shownHints + 1)}>
              {shownHints === 0 ? 'Ver una pista' : 'Ver otra pista'} ({shownHints + 1} de {hints.length})
            </button>
          )}
          {solution.phase === 'hidden' && (
            <button type="button" className="button" onClick={() => setSolution({ phase: 'confirm' })}>
              Ver solución
            </button>
          )}
        </div>
        {solution.phase === 'confirm' && (
          <div className="reto-confirm" role="alertdialog" aria-labelledby={`${headingId}-confirm`}>
            <p id={`${headingId}-confirm`}>¿Ver la solución? Intentarlo con las pistas enseña más{inCourse ? '; tu profesor verá que la abriste' : ''}.</p>
            <button type="button" className="button button-primary" onClick={() => void showSolution()} autoFocus>
              Sí, ver la solución
            </button>{' '}
            <button type="button" className="button" onClick={() => setSolution({ phase: 'hidden' })}>
              Cancelar
            </button>
          </div>
        )}
        {solution.phase === 'loading' && <p role="status">Cargando la solución…</p>}
        {solution.phase === 'problem' && <p role="alert">{solution.message}</p>}
        {solution.phase === 'shown' && (
          <div className="reto-solution" aria-label={`Solución: ${title}`} role="region">
            {solution.files.map((file) => (
              <figure key={file.name}>
                <figcaption>{file.name}</figcaption>
                <pre>
                  <code>{file.code}</code>
                </pre>
              </figure>
            ))}
            <button type="button" className="button" onClick={() => controls.current?.replaceCode(solution.files.map((f) => f.code))}>
              Copiar al editor
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
