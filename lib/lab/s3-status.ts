import { setTimeout as sleep } from 'node:timers/promises';
import { checkS3 } from '@/lab/s3/health';
import { requestS3Start } from '@/lab/s3/start';
import { readServiceStates } from '@/lab/service-state';
import { LabError } from '@/lab/errors';
import { envVar } from '@/lib/env';

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
