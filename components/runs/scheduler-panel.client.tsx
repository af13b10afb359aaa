'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { dagRunState, sendDagToScheduler, type PollResult, type SendResult } from '@/app/runs/scheduler-actions';
import type { RunRequest } from '@/lib/runs/schema';

type Sent = Extract<SendResult, { ok: true }>;
type Polled = Extract<PollResult, { ok: true }>;

/** Between polls while they succeed; after a failure it doubles up to MAX_RETRY_MS. */
const POLL_MS = 2_000;
/** Airflow restarting takes tens of seconds: no faster than this while it is away. */
const MAX_RETRY_MS = 30_000;

/** The last poll failed: the state shown is the one known at `knownAt`, as of `failedAt`. */
interface PollFailure {
  knownAt: number;
  failedAt: number;
  /** The server's Spanish reason, when it answered at all. */
  message?: string;
}

const STATE_LABEL: Record<string, string> = {
  queued: 'en cola',
  running: 'ejecutándose',
  success: 'éxito',
  failed: 'fallida',
  scheduled: 'programada',
  skipped: 'omitida',
  upstream_failed: 'falló una anterior',
};

/** "8 s", "3 min": how old the state shown is. */
function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min`;
}

/**
 * "Enviar al scheduler": hands the DAG to the lab's real Airflow (unpaused, triggered through
 * the REST API, like `airflow dags trigger`), then follows the run until it ends. A poll that
 * fails (Airflow restarting, the site's server away) is said, not hidden: the state then shown
 * is the last known one, and polling goes on with backoff until one succeeds.
 */
export function useScheduler() {
  const [phase, setPhase] = useState<'idle' | 'sending' | 'running' | 'ended'>('idle');
  const [sent, setSent] = useState<Sent | null>(null);
  const [polled, setPolled] = useState<Polled | null>(null);
  const [pollFailure, setPollFailure] = useState<PollFailure | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // Each send (and unmounting) starts a new generation: a poll still in flight from an older
  // one must neither show its run's state nor schedule another poll.
  const generation = useRef(0);
  useEffect(
    () => () => {
      generation.current += 1;
      clearTimeout(timer.current);
    },
    [],
  );

  const send = useCallback(async (request: RunRequest) => {
    clearTimeout(timer.current);
    const mine = ++generation.current;
    setPhase('sending');
    setProblem(null);
    setPolled(null);
    setPollFailure(null);
    setSent(null);
    const result = await sendDagToScheduler(request).catch(() => ({ ok: false as const, message: 'No se pudo contactar con el servidor.' }));
    if (mine !== generation.current) return;
    if (!result.ok) {
      setProblem(result.message);
      setPhase('ended');
      return;
    }
    setSent(result);
    setPhase('running');
    let knownAt = Date.now();
    let failures = 0;
    const poll = async () => {
      const state = await dagRunState({ dagId: result.dagId, dagRunId: result.dagRunId }).catch(() => null);
      if (mine !== generation.current) return;
      if (state?.ok) {
        knownAt = Date.now();
        failures = 0;
        setPolled(state);
        setPollFailure(null);
        if (state.ended) {
          setPhase('ended');
          return;
        }
      } else {
        failures += 1;
        setPollFailure({ knownAt, failedAt: Date.now(), ...(state ? { message: state.message } : {}) });
      }
      timer.current = setTimeout(poll, failures === 0 ? POLL_MS : Math.min(POLL_MS * 2 ** (failures - 1), MAX_RETRY_MS));
    };
    void poll();
  }, []);

  return { phase, sent, polled, pollFailure, problem, send };
}

export function SchedulerPanel({ scheduler }: { scheduler: ReturnType<typeof useScheduler> }) {
  const { phase, sent, polled, pollFailure, problem } = scheduler;
  if (phase === 'idle') return null;
  return (
    <div className="scheduler" role="region" aria-label="Ejecución en el scheduler de Airflow">
      <p className="scheduler-status" role="status" aria-live="polite">
        {phase === 'sending' && 'Enviando el DAG al scheduler y esperando a que lo lea el dag-processor…'}
        {sent && (
          <>
            DAG <code>{sent.dagId}</code> en el scheduler: <strong>{polled ? (STATE_LABEL[polled.state] ?? polled.state) : 'en cola'}</strong>{' '}
            {pollFailure && <span className="scheduler-stale-mark">(última conocida hace {age(pollFailure.failedAt - pollFailure.knownAt)})</span>}{' '}
            <a href={sent.url} target="_blank" rel="noreferrer">
              Ver esta ejecución en Airflow
            </a>
            {/* In this live region, which exists before it: a region inserted together with its
                text may go unannounced. It changes per failed poll, never per second. */}
            {pollFailure && (
              <span className="scheduler-stale">No se pudo consultar el estado en Airflow; reintentando…{pollFailure.message && ` Motivo: ${pollFailure.message}`}</span>
            )}
          </>
        )}
      </p>
      {problem && (
        <p className="output-problem" role="alert">
          {problem}
        </p>
      )}
      {polled && polled.tasks.length > 0 && (
        <ul className="dag-legend" aria-label="Tareas en el scheduler">
          {polled.tasks.map((task) => (
            <li key={task.taskId} className={`state-${task.state ?? 'none'}`} data-state={task.state ?? 'none'}>
              <span className="dag-swatch" aria-hidden="true" />
              {task.taskId}: {task.state ? (STATE_LABEL[task.state] ?? task.state) : 'sin ejecutar'}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
