'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { dagRunState, sendDagToScheduler, type PollResult, type SendResult } from '@/app/runs/scheduler-actions';
import type { RunRequest } from '@/lib/runs/schema';

type Sent = Extract<SendResult, { ok: true }>;
type Polled = Extract<PollResult, { ok: true }>;

const STATE_LABEL: Record<string, string> = {
  queued: 'en cola',
  running: 'ejecutándose',
  success: 'éxito',
  failed: 'fallida',
  scheduled: 'programada',
  skipped: 'omitida',
  upstream_failed: 'falló una anterior',
};

/**
 * "Enviar al scheduler": hands the DAG to the lab's real Airflow (unpaused, triggered through
 * the REST API, like `airflow dags trigger`), then follows the run until it ends.
 */
export function useScheduler() {
  const [phase, setPhase] = useState<'idle' | 'sending' | 'running' | 'ended'>('idle');
  const [sent, setSent] = useState<Sent | null>(null);
  const [polled, setPolled] = useState<Polled | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const send = useCallback(async (request: RunRequest) => {
    clearTimeout(timer.current);
    setPhase('sending');
    setProblem(null);
    setPolled(null);
    setSent(null);
    const result = await sendDagToScheduler(request).catch(() => ({ ok: false as const, message: 'No se pudo contactar con el servidor.' }));
    if (!result.ok) {
      setProblem(result.message);
      setPhase('ended');
      return;
    }
    setSent(result);
    setPhase('running');
    const poll = async () => {
      const state = await dagRunState({ dagId: result.dagId, dagRunId: result.dagRunId }).catch(() => null);
      if (state?.ok) setPolled(state);
      if (state?.ok && state.ended) setPhase('ended');
      else timer.current = setTimeout(poll, 2_000);
    };
    void poll();
  }, []);

  return { phase, sent, polled, problem, send };
}

export function SchedulerPanel({ scheduler }: { scheduler: ReturnType<typeof useScheduler> }) {
  const { phase, sent, polled, problem } = scheduler;
  if (phase === 'idle') return null;
  return (
    <div className="scheduler" role="region" aria-label="Ejecución en el scheduler de Airflow">
      <p className="scheduler-status" role="status" aria-live="polite">
        {phase === 'sending' && 'Enviando el DAG al scheduler y esperando a que lo lea el dag-processor…'}
        {sent && (
          <>
            DAG <code>{sent.dagId}</code> en el scheduler: <strong>{polled ? (STATE_LABEL[polled.state] ?? polled.state) : 'en cola'}</strong>{' '}
            <a href={sent.url} target="_blank" rel="noreferrer">
              Ver esta ejecución en Airflow
            </a>
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
