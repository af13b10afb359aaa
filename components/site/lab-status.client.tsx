'use client';

import { useEffect, useState } from 'react';
import type { LabStatus } from '@/lib/lab/status';

const POLL_MS = 5_000;

type State = 'up' | 'down' | 'checking' | 'unknown';

const LABEL: Record<State, string> = {
  up: 'disponible',
  down: 'no disponible',
  checking: 'comprobando…',
  unknown: 'sin conexión con el sitio',
};

function ServiceStatus({ name, state, detail, link }: { name: string; state: State; detail?: string; link?: { href: string; label: string } }) {
  return (
    <div className={`lab-status lab-status-${state}`} role="status" aria-live="polite" title={detail}>
      <span className="lab-dot" aria-hidden="true" />
      <span>
        {name}: <strong>{LABEL[state]}</strong>
      </span>
      {detail && <span className="lab-detail">{detail}</span>}
      {link && state === 'up' && (
        <a href={link.href} target="_blank" rel="noreferrer" className="lab-link">
          {link.label}
        </a>
      )}
    </div>
  );
}

function useLabStatus() {
  const [status, setStatus] = useState<LabStatus | null>(null);
  const [unreachable, setUnreachable] = useState(false);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const response = await fetch('/api/lab/status', { cache: 'no-store' });
        if (!response.ok) throw new Error(String(response.status));
        if (!stopped) {
          setStatus((await response.json()) as LabStatus);
          setUnreachable(false);
        }
      } catch {
        if (!stopped) setUnreachable(true);
      }
      if (!stopped) timer = setTimeout(poll, document.hidden ? POLL_MS * 4 : POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return { status, unreachable };
}

/** The lab's services as a lesson shows them (Kafka, Airflow), kept fresh while the page is open. */
export function LabStatusBadge() {
  const { status, unreachable } = useLabStatus();
  const stateOf = (ok: boolean | undefined): State => (unreachable ? 'unknown' : ok === undefined ? 'checking' : ok ? 'up' : 'down');
  const { kafka, airflow } = status ?? {};
  const kafkaDetail = kafka?.ok
    ? [
        kafka.version && `versión ${kafka.version}`,
        `${kafka.brokers} broker${kafka.brokers === 1 ? '' : 's'}`,
        kafka.mode === 'external' ? 'clúster externo' : 'laboratorio integrado',
      ]
        .filter(Boolean)
        .join(' · ')
    : kafka?.error;
  return (
    <div className="lab-statuses">
      <ServiceStatus name="Kafka" state={stateOf(kafka?.ok)} detail={kafkaDetail} />
      {(airflow || !status) && (
        <ServiceStatus
          name="Airflow"
          state={stateOf(airflow?.ok)}
          detail={
            airflow?.ok
              ? [airflow.version && `versión ${airflow.version}`, airflow.mode === 'external' ? 'externo' : 'laboratorio integrado'].filter(Boolean).join(' · ')
              : airflow?.error
          }
          link={airflow ? { href: airflow.uiUrl, label: 'Abrir la interfaz de Airflow' } : undefined}
        />
      )}
    </div>
  );
}
