import { setTimeout as sleep } from 'node:timers/promises';
import { checkS3 } from '@/lab/s3/health';
import { requestS3Start } from '@/lab/s3/start';
import { SEAWEEDFS_LABEL } from '@/lab/s3/version';
import { readServiceStates } from '@/lab/service-state';
import { LabError } from '@/lab/errors';
import { envVar } from '@/lib/env';
import type { SupervisorView } from './status';

/** Where this server's S3 store is (set by the launcher), or undefined when it has none. */
export function s3Endpoint(): { mode: 'embedded' | 'external'; endpoint: string } | undefined {
  const mode = envVar('CAUCE_S3_MODE');
  const endpoint = envVar('CAUCE_S3_ENDPOINT');
  return mode && endpoint ? { mode, endpoint } : undefined;
}

/** This server has no S3 store, or it did not come up in time. Retriable: it may be starting. */
export class S3UnavailableError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

let waiting: Promise<void> | undefined;

/**
 * Resolves once the store answers. The embedded one starts on demand: the first call asks the
 * launcher for it (the request file it watches) and waits, with the launcher's progress line
 * in the error if it does not come up within `timeoutMs`. An external store is only checked.
 * Concurrent callers share one wait.
 */
export function ensureS3Running(timeoutMs = 60_000): Promise<void> {
  const where = s3Endpoint();
  if (!where) return Promise.reject(new S3UnavailableError('Este servidor no tiene almacén S3 (el lanzador no lo configuró).'));
  waiting ??= (async () => {
    const deadline = Date.now() + timeoutMs;
    let asked = false;
    for (;;) {
      const health = await checkS3(where.endpoint, { timeoutMs: 1_500 });
      if (health.ok) return;
      if (where.mode === 'external') throw new S3UnavailableError(health.error ?? 'El almacén S3 externo no responde.');
      const state = readServiceStates().s3;
      if (!asked && (!state || state.state === 'stopped' || state.state === 'gave-up')) {
        requestS3Start();
        asked = true;
      }
      if (Date.now() > deadline) {
        const why = state?.reason ? ` (${state.reason})` : '';
        throw new S3UnavailableError(`El almacén S3 no estuvo disponible en ${Math.round(timeoutMs / 1000)} s${why}. Inténtalo de nuevo en un momento.`);
      }
      await sleep(500);
    }
  })().finally(() => (waiting = undefined));
  return waiting;
}

/** The store as a lesson's badge or S3 browser shows it (like lib/lab/hadoop-status.ts). */
export interface S3Status {
  readonly ok: boolean;
  /** Spanish, when not ok. */
  readonly error?: string;
  readonly mode: 'embedded' | 'external';
  /** «SeaweedFS 7506e5f» for the embedded store. */
  readonly version?: string;
  /** The launcher's word when the probe failed: starting (with the build's progress line), restarting, gave up. */
  readonly supervisor?: SupervisorView;
  /** Embedded, down and never asked for: {@link ensureS3Running} would start it. */
  readonly startable: boolean;
}

/** One probe of this server's store, or undefined when it has none. Never throws. */
export async function s3Status(): Promise<S3Status | undefined> {
  const where = s3Endpoint();
  if (!where) return undefined;
  const health = await checkS3(where.endpoint, { timeoutMs: 1_500 });
  const state = where.mode === 'embedded' && !health.ok ? readServiceStates().s3 : undefined;
  return {
    ok: health.ok,
    ...(health.error ? { error: health.error } : {}),
    mode: where.mode,
    ...(where.mode === 'embedded' ? { version: SEAWEEDFS_LABEL } : {}),
    ...(state ? { supervisor: { state: state.state, since: state.since, ...(state.reason ? { reason: state.reason } : {}) } } : {}),
    startable: where.mode === 'embedded' && !health.ok && (!state || state.state === 'stopped' || state.state === 'gave-up'),
  };
}
