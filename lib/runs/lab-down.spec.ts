import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceStateWriter } from '@/lab/service-state';
import { RUN_MESSAGES } from './messages';
import type { RunEvent } from './schema';

async function runProducer(): Promise<RunEvent[]> {
  const { Run } = await import('./run');
  const { executeKafkaSnippet } = await import('./kafka-ts');
  const run = new Run({
    lesson: 'kafka/productor',
    snippet: 'kafka/productor/x',
    kind: 'kafka-ts',
    files: [{ name: 'producer.ts', content: "console.log('no debería verse')\n" }],
  });
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  await executeKafkaSnippet(run);
  return events;
}

describe('with the Kafka lab down', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a run ends saying the Kafka lab is unavailable, after its own checks, and nothing is executed', async () => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1'); // nothing listens on port 1
    const events = await runProducer();
    const exit = events.at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'lab-unavailable' });
    expect(exit?.type === 'exit' && exit.message).toMatch(/laboratorio de Kafka no está disponible/);
    expect(events.some((e) => e.type === 'stdout')).toBe(false);
  }, 20_000);

  it('while the launcher is restarting Kafka, the run says so: Kafka is restarting, press Ejecutar again in a few seconds', async () => {
    const labDir = mkdtempSync(path.join(tmpdir(), 'cauce-lab-down-'));
    dirs.push(labDir);
    vi.stubEnv('CAUCE_LAB_DIR', labDir);
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1');
    new ServiceStateWriter(path.join(labDir, 'services.json')).set('kafka', 'restarting', 'Kafka se detuvo inesperadamente (SIGKILL)');
    const exit = (await runProducer()).at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'lab-unavailable', message: RUN_MESSAGES.kafkaRestarting });
  }, 20_000);
});
