'use client';

import { useEffect, useState } from 'react';
import type { AirflowSignIn } from '@/lib/lab/airflow-sign-in';
import type { LabStatus, SupervisorView } from '@/lib/lab/status';
import type { LabService } from '@/lib/runs/schema';

const POLL_MS = 5_000;

type State = 'up' | 'down' | 'restarting' | 'checking' | 'unknown' | 'idle';

const LABEL: Record<State, string> = {
  idle: 'en espera',
  up: 'disponible',
  down: 'no disponible',
  restarting: 'reiniciando…',
  checking: 'comprobando…',
  unknown: 'sin conexión con el sitio',
};

/** What a badge shows: `detail` beside the label, `tooltip` with what only the curious need. */
interface ServiceView {
  state: State;
  detail?: string;
  tooltip?: string;
}

/** "Usuario admin · contraseña …": how to get past the Airflow UI's login, studying alone. */
function SignInHint({ signIn }: { signIn: AirflowSignIn }) {
  return (
    <span className="lab-signin" title={signIn.where}>
      Para entrar: usuario <code>{signIn.username}</code>
      {signIn.password ? (
        <>
          {' '}
          · contraseña <code>{signIn.password}</code>
        </>
      ) : (
        <> · {signIn.where}</>
      )}
    </span>
  );
}

function ServiceStatus({ name, view, link }: { name: string; view: ServiceView; link?: { href: string; label: string; signIn?: AirflowSignIn } }) {
  const { state, detail, tooltip } = view;
  return (
    <div className={`lab-status lab-status-${state}`} role="status" aria-live="polite" title={tooltip ?? detail}>
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
      {link?.signIn && state === 'up' && <SignInHint signIn={link.signIn} />}
    </div>
  );
}

/** "12 s", "3 min", "2 h": how long, roughly, as the badge says it. */
function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3_600)} h`;
}

/**
 * One service's badge from its probe and, when the probe failed, the launcher's supervisor:
 * "reiniciando…" while it brings the service back, "no disponible" once it gave up. `checkedAt`
 * and `supervisor.since` share the server's clock, so the browser's own clock does not matter.
 */
function serviceView(
  service: { ok: boolean; error?: string; technical?: string; supervisor?: SupervisorView } | undefined,
  checkedAt: string | undefined,
  upDetail: string | undefined,
): ServiceView {
  if (!service) return { state: 'checking' };
  if (service.ok) return { state: 'up', detail: upDetail };
  const { supervisor } = service;
  const since = supervisor && checkedAt ? ` (desde hace ${elapsed(Date.parse(checkedAt) - supervisor.since)})` : '';
  const why = [supervisor?.reason, service.error, service.technical && `Detalle técnico: ${service.technical}`].filter(Boolean).join('\n');
  if (supervisor?.state === 'restarting') return { state: 'restarting', detail: `el laboratorio lo está volviendo a poner en marcha${since}`, tooltip: why };
  if (supervisor?.state === 'starting') return { state: 'restarting', detail: `el laboratorio lo está arrancando${since}`, tooltip: why };
  if (supervisor?.state === 'gave-up') return { state: 'down', detail: 'el laboratorio dejó de intentarlo: reinicia Cauce (npm start)', tooltip: why };
  return { state: 'down', detail: service.error, tooltip: why || undefined };
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

function kafkaUpDetail(kafka: LabStatus['kafka']): string {
  const brokers = `${kafka.brokers} broker${kafka.brokers === 1 ? '' : 's'}`;
  return [kafka.version && `versión ${kafka.version}`, brokers, kafka.mode === 'external' ? 'clúster externo' : 'laboratorio integrado'].filter(Boolean).join(' · ');
}

function airflowUpDetail(airflow: NonNullable<LabStatus['airflow']>): string {
  return [airflow.version && `versión ${airflow.version}`, airflow.mode === 'external' ? 'externo' : 'laboratorio integrado'].filter(Boolean).join(' · ');
}

function hadoopView(hadoop: LabStatus['hadoop'], checkedAt: string | undefined): ServiceView {
  if (hadoop?.ok)
    return {
      state: 'up',
      detail: [hadoop.version && `versión ${hadoop.version}`, 'HDFS + YARN', hadoop.mode === 'external' ? 'clúster externo' : 'laboratorio integrado'].filter(Boolean).join(' · '),
    };
  if (hadoop?.startable && !hadoop.supervisor) return { state: 'idle', detail: 'arranca cuando una lección lo necesita (el resumen del clúster)' };
  const view = serviceView(hadoop, checkedAt, undefined);
  // While it starts, the launcher's progress line ("Descargando Hadoop… 40%") says more than "arrancando".
  return hadoop?.supervisor?.state === 'starting' && hadoop.supervisor.reason ? { ...view, detail: hadoop.supervisor.reason } : view;
}

export interface LabStatusBadgeProps {
  /** The services this course's examples use (lib/runs/schema.ts labServicesFor); only those get a badge. */
  services: readonly LabService[];
}

/** The lab's services a course uses (Kafka, Airflow, Hadoop), kept fresh while the page is open. */
export function LabStatusBadge({ services }: LabStatusBadgeProps) {
  const { status, unreachable } = useLabStatus();
  const { kafka, airflow, hadoop, checkedAt } = status ?? {};
  const unknown: ServiceView = { state: 'unknown' };
  return (
    <div className="lab-statuses">
      {services.includes('kafka') && <ServiceStatus name="Kafka" view={unreachable ? unknown : serviceView(kafka, checkedAt, kafka && kafkaUpDetail(kafka))} />}
      {services.includes('airflow') && (airflow || !status) && (
        <ServiceStatus
          name="Airflow"
          view={unreachable ? unknown : serviceView(airflow, checkedAt, airflow && airflowUpDetail(airflow))}
          link={airflow ? { href: airflow.uiUrl, label: 'Abrir la interfaz de Airflow', signIn: airflow.signIn } : undefined}
        />
      )}
      {services.includes('hadoop') && (hadoop || !status) && (
        <ServiceStatus name="Hadoop" view={unreachable ? unknown : status ? hadoopView(hadoop, checkedAt) : { state: 'checking' }} />
      )}
    </div>
  );
}
