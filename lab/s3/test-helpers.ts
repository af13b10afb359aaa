import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock } from '../hadoop/test-helpers';
import { Supervisor } from '../supervisor';
import { S3Store } from './store';

const MINUTE = 60_000;

/** How long a spec's store may take to come up: the first one on a machine compiles SeaweedFS (minutes on 2 cores). */
export const S3_SPEC_SETUP_MS = 20 * MINUTE;

/**
 * A real store for one spec file: a fresh state folder and port block, the lab's shared binary
 * (built here if missing, so a machine without Go fails saying so: never a skip).
 */
export async function startTestStore(): Promise<{ store: S3Store; supervisor: Supervisor; stateDir: string; stop(): Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'cauce-s3-'));
  const store = new S3Store({ port: await freePortBlock(8), stateDir });
  await store.prepare();
  const supervisor = new Supervisor(store, { log: () => undefined, healthTimeoutMs: MINUTE });
  await supervisor.start();
  return {
    store,
    supervisor,
    stateDir,
    async stop() {
      await supervisor.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
