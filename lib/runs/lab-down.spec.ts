import { describe, expect, it, vi } from 'vitest';
import type { RunEvent } from './schema';

describe('with the Kafka lab down', () => {
  it('a run ends saying the Kafka lab is unavailable, after its own checks, and nothing is executed', async () => {
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:1'); // nothing listens on port 1
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
    const exit = events.at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'lab-unavailable' });
    expect(exit?.type === 'exit' && exit.message).toMatch(/laboratorio de Kafka no está disponible/);
    expect(events.some((e) => e.type === 'stdout')).toBe(false);
    vi.unstubAllEnvs();
  }, 20_000);
});
