import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SparkUnavailableError } from '@/lab/errors';
import { readServiceStates, type ServiceState } from '@/lab/service-state';
import { requestSparkStart } from '@/lab/spark/request';
import { envVar } from '@/lib/env';

/** Where this server's Spark Connect server is (set by the launcher), or undefined when it has none. */
export interface SparkEndpoint {
  readonly mode: 'embedded' | 'external';
  /** `sc://host:port`, what a client's `SparkSession.builder.remote()` takes. */
  readonly remote: string;
  readonly host: string;
  readonly port: number;
  /** The only kafka.bootstrap.servers the lab's server lets a session use (the broker's SASL listener). */
  readonly kafkaBootstrap?: string;
}

export function sparkEndpoint(): SparkEndpoint | undefined {
  const mode = envVar('CAUCE_SPARK_MODE');
  const remote = envVar('CAUCE_SPARK_REMOTE')?.trim();
  const match = remote ? /^sc:\/\/(\[[^\]]+\]|[^/:;]+):(\d+)/.exec(remote) : null;
  if (!mode || !remote || !match) return undefined;
  const kafkaBootstrap = envVar('CAUCE_SPARK_KAFKA_BOOTSTRAP')?.trim();
  return { mode, remote, host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]), ...(kafkaBootstrap ? { kafkaBootstrap } : {}) };
}

/** The launcher's state of the embedded server, or undefined (external, or never started). */
export function sparkServiceState(): ServiceState | undefined {
  return readServiceStates().spark;
}

let waiting: Promise<void> | undefined;
/** Every waiting caller's status listener, and the last line said (a caller who joins late gets it at once). */
const listeners = new Set<(message: string) => void>();
let lastStatus = '';

/**
 * Resolves once the Spark Connect server accepts connections. The embedded one starts on demand:
 * the first call asks the launcher for it (the request file it watches) and waits (about 10 s
 * once installed), reporting the launcher's progress line through `onStatus`; an external one is
 * only checked. The launcher's own health check already ran a real query before it said
 * «running», so a port that answers is enough here. Concurrent callers share one wait, but each
 * hears the progress and each one's `signal` ends only its own wait (one student's Detener
 * must not fail a classmate's run).
 */
export function ensureSparkRunning(options: { timeoutMs?: number; onStatus?: (message: string) => void; signal?: AbortSignal } = {}): Promise<void> {
  const where = sparkEndpoint();
  if (!where) return Promise.reject(new SparkUnavailableError('Este servidor no tiene Spark (el lanzador no lo configuró).'));
  const timeoutMs = options.timeoutMs ?? 120_000;
  waiting ??= (async () => {
    const deadline = Date.now() + timeoutMs;
    let asked = false;
    for (;;) {
      if (await answers(where.host, where.port, 1_500)) return;
      if (where.mode === 'external') throw new SparkUnavailableError(`El servidor Spark Connect externo (${where.remote}) no responde.`);
      const state = sparkServiceState();
      if (!asked && (!state || state.state === 'stopped' || state.state === 'gave-up')) {
        requestSparkStart();
        asked = true;
      }
      const message = `Spark está arrancando (se inicia la primera vez que un ejemplo lo necesita, unos 10 s): ${state?.reason ?? 'esperando al laboratorio…'}`;
      if (message !== lastStatus) for (const listener of listeners) listener((lastStatus = message));
      if (Date.now() > deadline) {
        const why = state?.reason ? ` (${state.reason})` : '';
        throw new SparkUnavailableError(
          `Spark no estuvo disponible en ${Math.round(timeoutMs / 1000)} s${why}. Inténtalo de nuevo en un momento; si sigue igual, avisa a tu profesor.`,
        );
      }
      await sleep(500);
    }
  })().finally(() => {
    waiting = undefined;
    lastStatus = '';
  });
  const { onStatus, signal } = options;
  if (onStatus) {
    listeners.add(onStatus);
    if (lastStatus) onStatus(lastStatus);
  }
  const mine = waiting.finally(() => onStatus && listeners.delete(onStatus));
  if (!signal) return mine;
  mine.catch(() => undefined); // a wait this caller gave up on may still fail: not theirs to hear
  return Promise.race([
    mine,
    new Promise<never>((_, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    }),
  ]);
}

/** Whether something accepts connections at host:port within `timeoutMs`. */
function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
