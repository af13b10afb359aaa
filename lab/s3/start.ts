import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envVar } from '../../lib/env';
import { watchStartRequests } from '../start-requests';
import { describeError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { labRoot } from '../kafka/paths';
import { serviceStates } from '../service-state';
import { Supervisor } from '../supervisor';
import { ensureWeedBinary } from './build';
import { externalS3 } from './external';
import { checkS3 } from './health';
import { S3Store, type S3StoreOptions } from './store';
import { LAB_BUCKET, SEAWEEDFS_LABEL } from './version';

export interface StartS3Options {
  /** Build progress. @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines. @default console.log */
  readonly log?: (message: string) => void;
  /** @default 60000 */
  readonly healthTimeoutMs?: number;
  readonly store?: S3StoreOptions;
  /**
   * When to start the embedded store: 'on' now (startS3 waits until it is healthy), 'demand'
   * when the site asks (a pyspark run or the S3 browser), 'off' never. @default $CAUCE_S3 or 'demand'
   */
  readonly when?: 'on' | 'demand' | 'off';
}

export interface RunningS3 {
  readonly mode: 'embedded' | 'external' | 'off';
  /** For the site's server: CAUCE_S3_MODE, CAUCE_S3_ENDPOINT, the admin key and (embedded) the filer. */
  readonly env: Readonly<Record<string, string>>;
  readonly store?: S3Store;
  /** Stops what was started, and the watch for requests. Safe to call twice. */
  stop(): Promise<void>;
}

/** The file the site writes to ask the launcher for the S3 store (lib/lab/s3-status.ts). */
export function s3RequestFile(root = labRoot()): string {
  return join(root, 's3', 'start-request');
}

/** The site's side: ask the launcher to start the embedded store. Idempotent; cheap. */
export function requestS3Start(root = labRoot()): void {
  const file = s3RequestFile(root);
  if (existsSync(file)) return;
  mkdirSync(join(root, 's3'), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
}

/**
 * The S3 store for the site. External (AWS_ENDPOINT_URL): nothing starts, the store is only
 * checked. Embedded: `weed server` under a Supervisor, started now (`when: 'on'`) or the first
 * time the site asks (`'demand'`: the launcher watches {@link s3RequestFile} once a second),
 * its state in services.json as 's3'. The binary is built with the rest of the lab's installs
 * either way, so a request waits seconds, not the Go build.
 */
export async function startS3(options: StartS3Options = {}): Promise<RunningS3> {
  const log = options.log ?? ((message: string) => console.log(message));
  const external = externalS3();
  if (external) {
    const health = await checkS3(external.endpoint, { ...(external.credentials ? { credentials: external.credentials } : {}), bucket: external.bucket, timeoutMs: 5_000 });
    log(
      health.ok
        ? `Modo externo: almacén S3 disponible (${external.endpoint}, bucket ${external.bucket}).`
        : `Modo externo: almacén S3 no disponible (${health.error}). El sitio arranca igualmente.`,
    );
    return {
      mode: 'external',
      env: {
        CAUCE_S3_MODE: 'external',
        CAUCE_S3_ENDPOINT: external.endpoint,
        ...(external.credentials ? { CAUCE_S3_ADMIN_ACCESS_KEY: external.credentials.accessKeyId, CAUCE_S3_ADMIN_SECRET_KEY: external.credentials.secretAccessKey } : {}),
      },
      stop: async () => undefined,
    };
  }
  const when = options.when ?? envVar('CAUCE_S3') ?? 'demand';
  if (when === 'off') return { mode: 'off', env: {}, stop: async () => undefined };

  const store = new S3Store(options.store);
  const { admin } = store; // creates the secret now: the site's env needs it before any start
  const env = {
    CAUCE_S3_MODE: 'embedded',
    CAUCE_S3_ENDPOINT: store.endpoint,
    CAUCE_S3_FILER_URL: store.filerUrl,
    CAUCE_S3_ADMIN_ACCESS_KEY: admin.accessKeyId,
    CAUCE_S3_ADMIN_SECRET_KEY: admin.secretAccessKey,
  };
  let supervisor: Supervisor | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;
  const startNow = (): Promise<void> =>
    (starting ??= (async () => {
      const startedAt = Date.now();
      serviceStates().set('s3', 'starting', `Preparando ${SEAWEEDFS_LABEL}…`);
      await store.prepare((p) => {
        serviceStates().set('s3', 'starting', p.message);
        options.onProgress?.(p);
      });
      if (stopped) return;
      serviceStates().set('s3', 'starting', `Arrancando ${SEAWEEDFS_LABEL}…`);
      const candidate = new Supervisor(store, { log, healthTimeoutMs: options.healthTimeoutMs ?? 60_000 });
      serviceStates().follow('s3', candidate);
      await candidate.start();
      supervisor = candidate;
      // Given up after restarts in a row: forgotten, so the next request starts it again.
      candidate.once('gaveUp', () => {
        if (supervisor !== candidate) return;
        supervisor = undefined;
        starting = undefined;
      });
      log(`Almacén S3 (${SEAWEEDFS_LABEL}) listo en ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${store.endpoint}, bucket ${LAB_BUCKET}`);
    })().catch((error: unknown) => {
      starting = undefined; // a later request may try again
      if (!stopped) serviceStates().set('s3', 'gave-up', `El almacén S3 no pudo arrancar: ${describeError(error)}`);
      throw error;
    }));

  let watch: NodeJS.Timeout | undefined;
  if (when === 'on') await startNow();
  else {
    // The Go build now, with the rest of the lab's installs. A failure does not hold the lab
    // back: the request retries it.
    await ensureWeedBinary(store.paths, options.onProgress).catch((error: unknown) =>
      log(`No se pudo compilar SeaweedFS (${describeError(error)}); se reintentará cuando una lección lo pida.`),
    );
    watch = watchStartRequests(s3RequestFile(join(store.paths.stateDir, '..')), () => {
      if (starting || supervisor || stopped) return;
      log('Una lección necesita el almacén S3: arrancándolo…');
      startNow().catch((error: unknown) => stopped || log(`El almacén S3 no pudo arrancar: ${describeError(error)}`));
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    mode: 'embedded',
    env,
    store,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        clearInterval(watch);
        await store.stop();
        await starting?.catch(() => undefined);
        await supervisor?.stop();
        await store.stop();
        serviceStates().set('s3', 'stopped');
      })()),
  };
}
