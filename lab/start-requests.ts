import { existsSync, rmSync } from 'node:fs';

/**
 * The launcher's side of a service started on demand (Hadoop, the S3 store, Spark): the site
 * writes a request file, this polls for it once a second, removes it and calls `onRequest`. A
 * request left by a previous launcher's site is dropped first. The timer does not keep the
 * process alive; clearInterval it on stop.
 */
export function watchStartRequests(file: string, onRequest: () => void): NodeJS.Timeout {
  rmSync(file, { force: true });
  const watch = setInterval(() => {
    if (!existsSync(file)) return;
    rmSync(file, { force: true });
    onRequest();
  }, 1_000);
  watch.unref();
  return watch;
}
