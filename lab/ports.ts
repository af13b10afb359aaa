import { createServer } from 'node:net';
import { envVar, type EnvSource } from '../lib/env';

/**
 * Every TCP port `npm start` binds on this machine, each with who needs it and how to move it,
 * in one place: the launcher checks them all before it builds or starts anything (a taken port
 * found only after Airflow's 20 s start wasted them), and Kafka and Airflow check their own again
 * with the same words when they (re)start. Everything else the lab listens on is a Unix socket
 * (the task launcher, the sandboxes' relays).
 */
export interface PortNeed {
  readonly port: number;
  /** The interface it is bound on. */
  readonly host: string;
  /** Spanish: who needs it, as the message names it («el sitio», «Kafka»). */
  readonly owner: string;
  /** Spanish: the flag or variable that moves it («--port o PORT»). */
  readonly moveWith: string;
}

/** Where the site listens unless `--port` or PORT say otherwise (serve-next.mjs has the same default). */
export const DEFAULT_SITE_PORT = 3000;
const DEFAULT_KAFKA_PORT = 9092;
const DEFAULT_AIRFLOW_PORT = 8080;
const LOOPBACK = '127.0.0.1';

/** The embedded broker's client port: CAUCE_KAFKA_PORT, else 9092. */
export function kafkaPort(source?: EnvSource): number {
  return envVar('CAUCE_KAFKA_PORT', source) ?? DEFAULT_KAFKA_PORT;
}

/** The embedded Airflow's api-server port: CAUCE_AIRFLOW_PORT, else 8080. */
export function airflowPort(source?: EnvSource): number {
  return envVar('CAUCE_AIRFLOW_PORT', source) ?? DEFAULT_AIRFLOW_PORT;
}

/** The site's server (scripts/serve-next.mjs): on `host`, loopback unless `--host` opens it. */
export function sitePorts(port: number, host: string): PortNeed[] {
  return [{ port, host, owner: 'el sitio', moveWith: '--port o PORT' }];
}

/** The embedded broker, on loopback only (lab/kafka/config.ts renders both listeners). */
export function kafkaPorts(port = kafkaPort()): PortNeed[] {
  const moveWith = 'CAUCE_KAFKA_PORT (Kafka usa ese puerto y el siguiente)';
  return [
    // Clients: the site's admin and health checks, and every student run through its relay.
    { port, host: LOOPBACK, owner: 'Kafka', moveWith },
    // The KRaft controller's listener: the broker is its own quorum and cannot start without it.
    { port: port + 1, host: LOOPBACK, owner: 'el controlador de Kafka', moveWith },
  ];
}

/** The embedded Airflow (lab/airflow/server.ts). */
export function airflowPorts(port = airflowPort(), host = envVar('CAUCE_AIRFLOW_HOST') ?? LOOPBACK): PortNeed[] {
  const moveWith = 'CAUCE_AIRFLOW_PORT (Airflow usa ese puerto y los dos siguientes)';
  return [
    // UI, REST API and the execution API the tasks report to.
    { port, host, owner: 'Airflow (api-server)', moveWith },
    // The scheduler's and the triggerer's log servers: not started (--skip-serve-logs), but
    // configured on these two, away from Airflow's fixed 8793/8794, in case one starts anyway.
    { port: port + 1, host: LOOPBACK, owner: 'el servidor de logs del scheduler de Airflow', moveWith },
    { port: port + 2, host: LOOPBACK, owner: 'el servidor de logs del triggerer de Airflow', moveWith },
  ];
}

/**
 * What this launcher binds: the site, plus Kafka and Airflow unless they are external. The test
 * is startLab's (lab/index.ts, lab/airflow/start.ts): KAFKA_BROKERS, AIRFLOW_API_URL set.
 */
export function launcherPorts(site: { port: number; host: string }, source: EnvSource = process.env): PortNeed[] {
  return [
    ...sitePorts(site.port, site.host),
    ...(envVar('KAFKA_BROKERS', source)?.trim() ? [] : kafkaPorts(kafkaPort(source))),
    ...(envVar('AIRFLOW_API_URL', source)?.trim() ? [] : airflowPorts(airflowPort(source), envVar('CAUCE_AIRFLOW_HOST', source) ?? LOOPBACK)),
  ];
}

/** Why a port cannot be bound, in Spanish, naming it, what needs it and how to move it. */
export function portMessage(need: PortNeed, code = 'EADDRINUSE'): string {
  const { port, owner, moveWith } = need;
  if (code === 'EADDRINUSE') return `El puerto ${port} (${owner}) ya está en uso. Libéralo o elige otro con ${moveWith}.`;
  if (code === 'EACCES') return `El puerto ${port} (${owner}) necesita permisos de administrador. Elige otro (desde el 1024) con ${moveWith}.`;
  return `No se puede escuchar en ${need.host}:${port} (${owner}): ${code}. Elige otro puerto con ${moveWith}.`;
}

/** Binds and releases the port: undefined when it is free, else the error code (EADDRINUSE…). */
export function bindError(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolvePromise(error.code ?? error.message));
    try {
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(undefined)));
    } catch (error) {
      resolvePromise((error as NodeJS.ErrnoException).code ?? String(error)); // a port past 65535
    }
  });
}

/**
 * The Spanish message for the first port of `needs` that cannot be bound, or undefined. Two needs
 * on one port (`--port 8080` beside Airflow's default) count too: both are free now, but the one
 * that starts second would fail.
 */
export async function firstUnavailablePort(needs: readonly PortNeed[]): Promise<string | undefined> {
  for (const [index, need] of needs.entries()) {
    const first = needs.slice(0, index).find((other) => other.port === need.port);
    if (first) return `El puerto ${need.port} lo necesitan ${first.owner} y ${need.owner}. Elige otro con ${first.moveWith}, o con ${need.moveWith}.`;
  }
  for (const need of needs) {
    const code = await bindError(need.port, need.host);
    if (code) return portMessage(need, code);
  }
  return undefined;
}
