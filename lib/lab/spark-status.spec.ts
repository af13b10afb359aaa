import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sparkRequestFile } from '@/lab/spark/request';
import { ensureSparkRunning } from './spark-status';

/** A port nothing listens on yet: taken and released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('esperar al Spark del laboratorio que arranca bajo demanda', () => {
  let labDir: string;
  let port: number;
  let server: Server | undefined;
  const saved = { ...process.env };

  beforeEach(async () => {
    labDir = mkdtempSync(path.join(tmpdir(), 'cauce-spark-status-'));
    port = await freePort();
    Object.assign(process.env, { CAUCE_LAB_DIR: labDir, CAUCE_SPARK_MODE: 'embedded', CAUCE_SPARK_REMOTE: `sc://127.0.0.1:${port}` });
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    process.env = { ...saved };
    rmSync(labDir, { recursive: true, force: true });
  });

  it('dos alumnos esperan el mismo arranque: los dos oyen el progreso y el Detener de uno no corta la espera del otro', async () => {
    const heardByAna: string[] = [];
    const heardByBruno: string[] = [];
    const anaStops = new AbortController();
    const ana = ensureSparkRunning({ onStatus: (m) => heardByAna.push(m), signal: anaStops.signal });
    const bruno = ensureSparkRunning({ onStatus: (m) => heardByBruno.push(m) });
    await expect.poll(() => existsSync(sparkRequestFile(labDir))).toBe(true); // the launcher was asked
    anaStops.abort(new Error('Detuviste la ejecución.'));
    await expect(ana).rejects.toThrow('Detuviste la ejecución.');

    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    await expect(bruno).resolves.toBeUndefined();
    expect(heardByAna[0]).toMatch(/^Spark está arrancando/);
    expect(heardByBruno[0]).toMatch(/^Spark está arrancando/);
  });

  it('sin Spark configurado lo dice en español', async () => {
    delete process.env.CAUCE_SPARK_MODE;
    await expect(ensureSparkRunning()).rejects.toThrow('Este servidor no tiene Spark');
  });
});
