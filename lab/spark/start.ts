import { join } from 'node:path';
import { envVar } from '../../lib/env';
import { watchStartRequests } from '../start-requests';
import { describeError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { serviceStates } from '../service-state';
import { Supervisor } from '../supervisor';
import { checkSpark } from './health';
import { sparkRequestFile } from './request';
import { SparkServer, type SparkServerOptions } from './server';
import { SPARK_VERSION } from './version';

export { requestSparkStart, sparkRequestFile } from './request';

export interface StartSparkOptions {
  /** Install and download progress. @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines. @default console.log */
  readonly log?: (message: string) => void;
  /** @default 120000 */
  readonly healthTimeoutMs?: number;
  readonly server?: SparkServerOptions;
  /**
   * When to start the embedded server: 'on' now (startSpark waits until it is healthy),
   * 'demand' when the site asks (the first pyspark run), 'off' never.
   * @default $CAUCE_SPARK or 'demand'
   */
  readonly when?: 'on' | 'demand' | 'off';
}

export interface RunningSpark {
  readonly mode: 'embedded' | 'external' | 'off';
  /**
   * For the site's server: CAUCE_SPARK_MODE, CAUCE_SPARK_REMOTE (what a pyspark run's client
   * connects to) and CAUCE_SPARK_KAFKA_BOOTSTRAP (the only Kafka its session may read).
   */
  readonly env: Readonly<Record<string, string>>;
  /** The embedded server (running, or waiting for a request). */
  readonly server?: SparkServer;
  /** Stops what was started, and the watch for requests. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Spark for the site. External (SPARK_REMOTE=sc://host:port): nothing starts, that server is only
 * checked and handed to the runs. Embedded: one Spark Connect server under a Supervisor, started
 * now (`when: 'on'`) or the first time the site asks (`'demand'`: the launcher watches
 * {@link sparkRequestFile} once a second), its state in services.json as 'spark' so the badge
 * says «arrancando…» with the progress line meanwhile.
 */
export async function startSpark(options: StartSparkOptions = {}): Promise<RunningSpark> {
  const log = options.log ?? ((message: string) => console.log(message));
  const external = envVar('SPARK_REMOTE')?.trim();
  if (external) {
    const health = await checkSpark(external, 30_000, { guarded: false }).catch((error: unknown) => ({ ok: false, error: describeError(error), version: undefined }));
    log(health.ok ? `Modo externo: Spark ${health.version} disponible en ${external}.` : `Modo externo: ${health.error}. El sitio arranca igualmente.`);
    const kafka = envVar('KAFKA_BROKERS')?.trim();
    return {
      mode: 'external',
      env: { CAUCE_SPARK_MODE: 'external', CAUCE_SPARK_REMOTE: external, ...(kafka ? { CAUCE_SPARK_KAFKA_BOOTSTRAP: kafka } : {}) },
      stop: async () => undefined,
    };
  }
  const when = options.when ?? envVar('CAUCE_SPARK') ?? 'demand';
  if (when === 'off') return { mode: 'off', env: {}, stop: async () => undefined };

  const server = new SparkServer(options.server);
  const env = { CAUCE_SPARK_MODE: 'embedded', CAUCE_SPARK_REMOTE: server.remote, CAUCE_SPARK_KAFKA_BOOTSTRAP: server.kafkaBootstrap };
  let supervisor: Supervisor | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const startNow = (): Promise<void> =>
    (starting ??= (async () => {
      const startedAt = Date.now();
      const progress: ProgressListener = (p) => {
        serviceStates().set('spark', 'starting', p.message);
        options.onProgress?.(p);
      };
      serviceStates().set('spark', 'starting', `Preparando Spark ${SPARK_VERSION}…`);
      await server.prepare(progress);
      if (stopped) return; // the launcher stopped while pip or Maven ran
      serviceStates().set('spark', 'starting', 'Arrancando el servidor Spark Connect…');
      const candidate = new Supervisor(server, { log, healthTimeoutMs: options.healthTimeoutMs ?? 120_000 });
      serviceStates().follow('spark', candidate);
      await candidate.start();
      supervisor = candidate;
      // Given up after restarts in a row: forgotten, so the next run's request starts Spark again.
      candidate.once('gaveUp', () => {
        if (supervisor !== candidate) return;
        supervisor = undefined;
        starting = undefined;
      });
      log(`Spark ${SPARK_VERSION} listo en ${((Date.now() - startedAt) / 1000).toFixed(1)} s: Spark Connect en ${server.remote}.`);
    })().catch((error: unknown) => {
      starting = undefined; // a later request may try again
      if (!stopped) serviceStates().set('spark', 'gave-up', `Spark no pudo arrancar: ${describeError(error)}`);
      throw error;
    }));

  let watch: NodeJS.Timeout | undefined;
  if (when === 'on') await startNow();
  else {
    // The installs now, with the rest of the lab's: a run's first request then waits for the JVM
    // only (about 10 s), not for pip and Maven. A failure here does not hold the lab back: the
    // request retries it.
    await server.prepare(options.onProgress).catch((error: unknown) => log(`No se pudo preparar Spark (${describeError(error)}); se reintentará cuando una lección lo pida.`));
    // The lab root of this server's state (<root>/spark/server), where the site writes its request.
    watch = watchStartRequests(sparkRequestFile(join(server.paths.stateDir, '..', '..')), () => {
      if (starting || supervisor || stopped) return;
      log('Un ejemplo de Spark lo necesita: arrancando Spark…');
      startNow().catch((error: unknown) => stopped || log(`Spark no pudo arrancar: ${describeError(error)}`));
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    mode: 'embedded',
    env,
    server,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        clearInterval(watch);
        // The JVM first: a start still waiting for health then fails at once.
        await server.stop();
        await starting?.catch(() => undefined);
        await supervisor?.stop();
        await server.stop();
        serviceStates().set('spark', 'stopped');
      })()),
  };
}
