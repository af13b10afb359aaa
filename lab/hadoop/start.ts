import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envVar } from '../../lib/env';
import { watchStartRequests } from '../start-requests';
import { describeError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { labRoot } from '../kafka/paths';
import { serviceStates } from '../service-state';
import { Supervisor } from '../supervisor';
import { HadoopCluster, type HadoopClusterOptions } from './cluster';
import { ensureHadoopJars } from './download';
import { externalHadoop } from './external';
import { checkHadoop } from './health';
import { HADOOP_VERSION } from './version';

export interface StartHadoopOptions {
  /** Download and format progress. @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines. @default console.log */
  readonly log?: (message: string) => void;
  /** @default 180000 */
  readonly healthTimeoutMs?: number;
  readonly cluster?: HadoopClusterOptions;
  /**
   * When to start the embedded cluster: 'on' now (startHadoop waits until it is healthy),
   * 'demand' when the site asks (a Hadoop lesson's cluster summary), 'off' never.
   * @default $CAUCE_HADOOP or 'demand'
   */
  readonly when?: 'on' | 'demand' | 'off';
}

export interface RunningHadoop {
  readonly mode: 'embedded' | 'external' | 'off';
  /** For the site's server: CAUCE_HADOOP_MODE and the NameNode and ResourceManager web bases. */
  readonly env: Readonly<Record<string, string>>;
  /** Resolves once the embedded cluster is healthy (started now or on demand). */
  readonly cluster?: HadoopCluster;
  /** Stops what was started, and the watch for requests. Safe to call twice. */
  stop(): Promise<void>;
}

/** The file the site writes to ask the launcher for Hadoop (lib/lab/hadoop-status.ts). */
export function hadoopRequestFile(root = labRoot()): string {
  return join(root, 'hadoop', 'start-request');
}

/** The site's side: ask the launcher to start the embedded Hadoop. Idempotent; cheap. */
export function requestHadoopStart(root = labRoot()): void {
  const file = hadoopRequestFile(root);
  if (existsSync(file)) return;
  mkdirSync(join(root, 'hadoop'), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
}

/**
 * Hadoop for the site. External (HADOOP_CONF_DIR or HADOOP_DEFAULT_FS): nothing starts, the
 * cluster is only checked. Embedded: the four daemons under one Supervisor, started now
 * (`when: 'on'`) or the first time the site asks (`'demand'`: the launcher watches
 * {@link hadoopRequestFile} once a second), its state in services.json as 'hadoop' so the
 * badge and the cluster summary say «arrancando…» with the progress line meanwhile.
 */
export async function startHadoop(options: StartHadoopOptions = {}): Promise<RunningHadoop> {
  const log = options.log ?? ((message: string) => console.log(message));
  const external = externalHadoop();
  if (external) {
    const health = await checkHadoop(external, 5_000);
    log(health.ok ? `Modo externo: Hadoop disponible (${external.defaultFs}).` : `Modo externo: Hadoop no disponible (${health.error}). El sitio arranca igualmente.`);
    return {
      mode: 'external',
      env: { CAUCE_HADOOP_MODE: 'external', CAUCE_HADOOP_NAMENODE_URL: external.namenodeUrl, CAUCE_HADOOP_RM_URL: external.resourcemanagerUrl },
      stop: async () => undefined,
    };
  }
  const when = options.when ?? envVar('CAUCE_HADOOP') ?? 'demand';
  if (when === 'off') return { mode: 'off', env: {}, stop: async () => undefined };

  const cluster = new HadoopCluster(options.cluster);
  const env = { CAUCE_HADOOP_MODE: 'embedded', CAUCE_HADOOP_NAMENODE_URL: cluster.endpoints.namenodeUrl, CAUCE_HADOOP_RM_URL: cluster.endpoints.resourcemanagerUrl };
  let supervisor: Supervisor | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const startNow = (): Promise<void> =>
    (starting ??= (async () => {
      const startedAt = Date.now();
      const progress: ProgressListener = (p) => {
        serviceStates().set('hadoop', 'starting', p.message);
        options.onProgress?.(p);
      };
      serviceStates().set('hadoop', 'starting', `Preparando Hadoop ${HADOOP_VERSION}…`);
      const { formatted } = await cluster.prepare(progress);
      if (formatted) log(`HDFS formateado en ${cluster.paths.nameDir}.`);
      if (stopped) return; // the launcher stopped while Maven or the format ran
      serviceStates().set('hadoop', 'starting', 'Arrancando NameNode, DataNode, ResourceManager y NodeManager…');
      const candidate = new Supervisor(cluster, { log, healthTimeoutMs: options.healthTimeoutMs ?? 180_000 });
      serviceStates().follow('hadoop', candidate);
      await candidate.start();
      supervisor = candidate;
      // Given up after restarts in a row: forgotten, so the next lesson's request starts Hadoop again.
      candidate.once('gaveUp', () => {
        if (supervisor !== candidate) return;
        supervisor = undefined;
        starting = undefined;
      });
      log(
        `Hadoop ${HADOOP_VERSION} listo en ${((Date.now() - startedAt) / 1000).toFixed(1)} s: HDFS ${cluster.defaultFs}, NameNode ${cluster.endpoints.namenodeUrl}, YARN ${cluster.endpoints.resourcemanagerUrl}`,
      );
    })().catch((error: unknown) => {
      starting = undefined; // a later request may try again
      if (!stopped) serviceStates().set('hadoop', 'gave-up', `Hadoop no pudo arrancar: ${describeError(error)}`);
      throw error;
    }));

  let watch: NodeJS.Timeout | undefined;
  if (when === 'on') await startNow();
  else {
    // The jars now, with the rest of the lab's installs: a lesson's first request then waits
    // for the daemons only, not for Maven. A failure here does not hold Kafka and Airflow back:
    // the request retries it.
    await ensureHadoopJars(cluster.paths, options.onProgress).catch((error: unknown) =>
      log(`No se pudieron descargar los jars de Hadoop (${describeError(error)}); se reintentará cuando una lección lo pida.`),
    );
    watch = watchStartRequests(hadoopRequestFile(join(cluster.paths.stateDir, '..')), () => {
      if (starting || supervisor || stopped) return;
      log('Una lección de Hadoop lo necesita: arrancando Hadoop…');
      startNow().catch((error: unknown) => stopped || log(`Hadoop no pudo arrancar: ${describeError(error)}`));
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    mode: 'embedded',
    env,
    cluster,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        clearInterval(watch);
        // Daemons first: a start still waiting for health then fails at once instead of after minutes.
        await cluster.stop();
        await starting?.catch(() => undefined);
        await supervisor?.stop();
        await cluster.stop();
        serviceStates().set('hadoop', 'stopped');
      })()),
  };
}
