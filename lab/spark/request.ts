import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labRoot } from '../kafka/paths';

/**
 * The file the site writes to ask the launcher for the embedded Spark Connect server (start.ts
 * watches it once a second). Beside the lab's folders, not in spark/: that one belongs to the
 * server's uid.
 */
export function sparkRequestFile(root = labRoot()): string {
  return join(root, 'spark-start-request');
}

/** The site's side: ask the launcher to start the embedded Spark Connect server. Idempotent; cheap. */
export function requestSparkStart(root = labRoot()): void {
  const file = sparkRequestFile(root);
  if (existsSync(file)) return;
  mkdirSync(root, { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
}
