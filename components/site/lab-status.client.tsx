'use client';

import { useEffect, useState } from 'react';
import type { LabStatus } from '@/lib/lab/status';

const POLL_MS = 5_000;

/** "Kafka: disponible / no disponible" with version and brokers, kept fresh while the page is open. */
export function LabStatusBadge() {
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

  const kafka = status?.kafka;
  const state = unreachable ? 'unknown' : !kafka ? 'checking' : kafka.ok ? 'up' : 'down';
  const label =
    state === 'up' ? 'disponible' : state === 'down' ? 'no disponible' : state === 'checking' ? 'comprobando…' : 'sin conexión con el sitio';
  const detail =
    kafka && state === 'up'
      ? [kafka.version && `versión ${kafka.version}`, `${kafka.brokers} broker${kafka.brokers === 1 ? '' : 's'}`, kafka.mode === 'external' ? 'clúster externo' : 'laboratorio integrado']
          .filter(Boolean)
          .join(' · ')
      : kafka?.error;

  return (
    <div className={`lab-status lab-status-${state}`} role="status" aria-live="polite" title={detail ?? undefined}>
      <span className="lab-dot" aria-hidden="true" />
      <span>
        Kafka: <strong>{label}</strong>
      </span>
      {detail && <span className="lab-detail">{detail}</span>}
    </div>
  );
}
