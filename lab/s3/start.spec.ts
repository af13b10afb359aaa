/**
 * The launcher's side of the S3 store: nothing runs until the site asks (the request file), then
 * the store comes up under a Supervisor and services.json says so. A throwaway lab folder (the
 * services file is the launcher's); the repository's shared `weed` binary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePortBlock } from '../hadoop/test-helpers';
import { readServiceStates } from '../service-state';
import { checkS3 } from './health';
import { requestS3Start, startS3, type RunningS3 } from './start';
import { S3_SPEC_SETUP_MS } from './test-helpers';

describe('almacén S3 bajo demanda', () => {
  const root = mkdtempSync(join(tmpdir(), 'cauce-s3-lab-'));
  const saved = process.env.CAUCE_LAB_DIR;
  let running: RunningS3 | undefined;

  afterAll(async () => {
    await running?.stop();
    process.env.CAUCE_LAB_DIR = saved;
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it(
    'no arranca hasta que una lección lo pide; entonces queda listo y el estado de servicios lo dice',
    async () => {
      process.env.CAUCE_LAB_DIR = root;
      const port = await freePortBlock(8);
      running = await startS3({ when: 'demand', log: () => undefined, store: { port, stateDir: join(root, 's3') } });
      expect(running.mode).toBe('embedded');
      expect(running.env).toMatchObject({ CAUCE_S3_MODE: 'embedded', CAUCE_S3_ENDPOINT: `http://127.0.0.1:${port}`, CAUCE_S3_FILER_URL: `http://127.0.0.1:${port + 6}` });
      expect(running.env.CAUCE_S3_ADMIN_SECRET_KEY).toMatch(/^[0-9a-f]{40}$/);
      await sleep(1_500);
      expect((await checkS3(`http://127.0.0.1:${port}`, { timeoutMs: 500 })).ok).toBe(false);

      const askedAt = Date.now();
      requestS3Start(root);
      for (;;) {
        const state = readServiceStates(join(root, 'services.json'));
        if (state.s3?.state === 'running') break;
        if (Date.now() - askedAt > 60_000) throw new Error(`el almacén no arrancó: ${JSON.stringify(state.s3)}`);
        await sleep(200);
      }
      expect(await checkS3(`http://127.0.0.1:${port}`)).toEqual({ ok: true });
    },
    S3_SPEC_SETUP_MS,
  );
});
