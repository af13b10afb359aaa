/** Helpers shared by the lab's specs (not a spec itself). */
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaSasl } from './credentials';
import { isPortFree } from './process';

/** A port p with p and p + 1 free (client and controller listeners). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 30_000 + Math.floor(Math.random() * 10_000) * 2;
    if ((await isPortFree(port)) && (await isPortFree(port + 1))) return port;
  }
  throw new Error('no free port pair found');
}

/** A fresh state dir per spec, so tests never share a broker's data. */
export function tempStateDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cauce-${label}-`));
}

/** A quiet kafkajs client that fails fast while the broker is away; `sasl` for the lab's SASL listener. */
export function testClient(brokers: string, sasl?: KafkaSasl): Kafka {
  return new Kafka({
    ...(sasl ? { sasl: { ...sasl } } : {}),
    clientId: 'cauce-lab-spec',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Reads a topic from the beginning with a new group until `expected` values are all seen. */
export async function consumeValues(kafka: Kafka, topic: string, expected: Set<string>, timeoutMs: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: `spec-${topic}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value?.toString() ?? '');
          if ([...expected].every((value) => seen.has(value))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}
