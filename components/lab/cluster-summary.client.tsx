'use client';

import { useEffect, useRef, useState } from 'react';
import type { ComponentState, HadoopStatus } from '@/lib/lab/hadoop-status';

const POLL_MS = 5_000;

/** "1,4 GB", "512 MB": bytes as a dashboard shows them. */
function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString('es', { maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0 })} ${units[unit]}`;
}

const percent = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 0);
const pct = (value: number) => `${value.toLocaleString('es', { maximumFractionDigits: value < 1 ? 2 : 1 })} %`;

/** A stacked bar: each segment's share of the whole, labelled below for those who do not read colours. */
function Bar({ label, segments }: { label: string; segments: { name: string; value: number; className: string }[] }) {
  const total = segments.reduce((sum, s) => sum + s.value, 0);
  return (
    <div className="cluster-bar" role="img" aria-label={`${label}: ${segments.map((s) => `${s.name} ${pct(percent(s.value, total))}`).join(', ')}`}>
      <div className="cluster-bar-track">
        {segments.map((s) => (
          <span key={s.name} className={`cluster-bar-seg ${s.className}`} style={{ width: `${Math.max(percent(s.value, total), s.value > 0 ? 0.8 : 0)}%` }} />
        ))}
      </div>
    </div>
  );
}

function ComponentRow({ component }: { component: ComponentState }) {
  const started = component.state === 'started';
  return (
    <li className={`cluster-component cluster-${component.state}`}>
      <span className="lab-dot" aria-hidden="true" />
      <span className="cluster-component-name">{component.component}</span>
      <strong>{started ? 'En marcha' : 'Detenido'}</strong>
      {component.detail && <span className="cluster-detail">{component.detail}</span>}
    </li>
  );
}

function Metric({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="cluster-metric">
      <span className="cluster-metric-label">{label}</span>
      <span className="cluster-metric-value">{value}</span>
      {sub && <span className="cluster-metric-sub">{sub}</span>}
    </div>
  );
}

/** Why there is no summary yet, in Spanish: starting (with the launcher's progress line), waiting, down. */
function Waiting({ status, error }: { status: HadoopStatus | undefined; error: string | undefined }) {
  if (error) return <p className="cluster-waiting">{error}</p>;
  if (!status) return <p className="cluster-waiting">Consultando el clúster…</p>;
  const supervisor = status.supervisor;
  if (supervisor?.state === 'starting' || status.startable)
    return <p className="cluster-waiting">Arrancando Hadoop en el laboratorio (la primera vez, cerca de un minuto)… {supervisor?.reason ?? ''}</p>;
  if (supervisor?.state === 'restarting') return <p className="cluster-waiting">El laboratorio está volviendo a poner Hadoop en marcha… {supervisor.reason ?? ''}</p>;
  return null;
}

/**
 * The lab's cluster as Ambari's dashboard shows one after the wizard: each service and component
 * with its state, HDFS capacity and use, live DataNodes, YARN memory and running applications.
 * Read from the NameNode's JMX and the ResourceManager's REST API (GET /api/lab/hadoop) every
 * five seconds; opening it asks the lab to start Hadoop when it is not running (POST).
 */
export function ClusterSummary() {
  const [status, setStatus] = useState<HadoopStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  const requested = useRef(false);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const response = await fetch('/api/lab/hadoop', { cache: 'no-store' });
        if (response.status === 404) {
          setError('Este sitio no tiene Hadoop: el resumen del clúster aparece cuando el laboratorio lo incluye.');
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        const next = (await response.json()) as HadoopStatus;
        if (stopped) return;
        setStatus(next);
        setError(undefined);
        if (next.startable && !requested.current) {
          requested.current = true;
          await fetch('/api/lab/hadoop', { method: 'POST' }).catch(() => undefined);
        }
      } catch {
        if (!stopped) setError('Sin conexión con el sitio; se vuelve a intentar.');
      }
      if (!stopped) timer = setTimeout(poll, document.hidden ? POLL_MS * 4 : POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  const hdfs = status?.hdfs;
  const yarn = status?.yarn;
  const services = (['HDFS', 'YARN'] as const).map((service) => ({ service, components: status?.components.filter((c) => c.service === service) ?? [] }));
  const checked = status ? new Date(status.checkedAt).toLocaleTimeString('es', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : undefined;

  return (
    <section className="cluster-summary" aria-label="Resumen del clúster">
      <header className="cluster-header">
        <h3>Resumen del clúster</h3>
        <span className="cluster-meta">
          {[
            (status?.version ?? hdfs?.version) && `Hadoop ${status?.version ?? hdfs?.version}`,
            status && (status.mode === 'external' ? 'clúster externo' : 'laboratorio de Cauce'),
            checked && `actualizado ${checked}`,
          ]
            .filter(Boolean)
            .join(' · ')}
        </span>
      </header>
      {(!status || !status.ok) && <Waiting status={status} error={error} />}
      {status && (
        <div className="cluster-services">
          {services.map(({ service, components }) => {
            const healthy = components.length > 0 && components.every((c) => c.state === 'started');
            return (
              <div key={service} className="cluster-service">
                <h4>
                  <span className={`cluster-service-state ${healthy ? 'cluster-started' : 'cluster-stopped'}`}>
                    <span className="lab-dot" aria-hidden="true" />
                  </span>
                  {service}
                  <span className="cluster-service-word">{healthy ? 'todo en marcha' : 'con componentes detenidos'}</span>
                </h4>
                <ul>
                  {components.map((c) => (
                    <ComponentRow key={c.component} component={c} />
                  ))}
                </ul>
              </div>
            );
          })}
        </div>
      )}
      {hdfs && (
        <div className="cluster-widgets">
          <div className="cluster-widget cluster-widget-wide">
            <h4>Capacidad de HDFS</h4>
            <Bar
              label="Capacidad de HDFS"
              segments={[
                { name: 'HDFS', value: hdfs.usedBytes, className: 'seg-dfs' },
                { name: 'otros archivos del disco', value: hdfs.nonDfsUsedBytes, className: 'seg-other' },
                { name: 'libre', value: hdfs.remainingBytes, className: 'seg-free' },
              ]}
            />
            <p className="cluster-legend">
              <span className="seg-dfs-key">HDFS {size(hdfs.usedBytes)}</span> · <span className="seg-other-key">otros archivos {size(hdfs.nonDfsUsedBytes)}</span> ·{' '}
              <span className="seg-free-key">libre {size(hdfs.remainingBytes)}</span> de {size(hdfs.capacityBytes)}
            </p>
          </div>
          <Metric
            label="DataNodes vivos"
            value={`${hdfs.liveDataNodes}/${hdfs.liveDataNodes + hdfs.deadDataNodes}`}
            sub={hdfs.safeMode ? 'HDFS en modo seguro' : 'replicación 1'}
          />
          <Metric label="Archivos y carpetas" value={hdfs.files.toLocaleString('es')} sub={`${hdfs.blocks.toLocaleString('es')} bloques`} />
          {yarn && (
            <Metric
              label="NodeManagers activos"
              value={`${yarn.activeNodes}/${yarn.activeNodes + yarn.unhealthyNodes + yarn.lostNodes}`}
              sub={`${yarn.vcoresUsed} de ${yarn.vcoresTotal} vcores`}
            />
          )}
          {yarn && (
            <div className="cluster-widget">
              <h4>Memoria de YARN</h4>
              <Bar
                label="Memoria de YARN"
                segments={[
                  { name: 'asignada', value: yarn.memoryUsedMb, className: 'seg-dfs' },
                  { name: 'libre', value: Math.max(yarn.memoryTotalMb - yarn.memoryUsedMb, 0), className: 'seg-free' },
                ]}
              />
              <p className="cluster-legend">
                {yarn.memoryUsedMb} de {yarn.memoryTotalMb} MB asignados
              </p>
            </div>
          )}
          {yarn && (
            <Metric
              label="Aplicaciones en marcha"
              value={String(yarn.appsRunning)}
              sub={`${yarn.appsPending} en espera · ${yarn.appsCompleted} terminadas · ${yarn.appsFailed} fallidas`}
            />
          )}
        </div>
      )}
      {yarn && yarn.running.length > 0 && (
        <table className="cluster-apps">
          <caption>Aplicaciones de YARN en curso</caption>
          <thead>
            <tr>
              <th scope="col">Aplicación</th>
              <th scope="col">Usuario</th>
              <th scope="col">Estado</th>
              <th scope="col">Progreso</th>
            </tr>
          </thead>
          <tbody>
            {yarn.running.map((app) => (
              <tr key={app.id}>
                <td>
                  {app.name} <code>{app.id}</code>
                </td>
                <td>{app.user}</td>
                <td>{app.state === 'RUNNING' ? 'en marcha' : 'aceptada, esperando contenedor'}</td>
                <td>
                  <progress max={100} value={app.progress} aria-label={`Progreso de ${app.name}`} /> {app.progress} %
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
