/** Helpers shared by the lab's specs (not a spec itself). */
import { execFile } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaSasl } from './credentials';
import { KAFKA_SOURCE_DIR } from './paths';
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

/**
 * Runs jobs through a student's Java admin client (StudentProbe.java), which keeps the broker's
 * error messages that kafkajs drops. Each answer is `['ok']` or `['error', class, message]`.
 */
export function studentProbe(libsDir: string, brokers: string, sasl: KafkaSasl, jobs: string[][]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const child = execFile(
      java,
      ['-Xmx96m', '-XX:TieredStopAtLevel=1', '-cp', `${libsDir}/*`, join(KAFKA_SOURCE_DIR, 'StudentProbe.java')],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KAFKA_BROKERS: brokers, KAFKA_USERNAME: sasl.username, KAFKA_PASSWORD: sasl.password } as Record<string, string> as NodeJS.ProcessEnv,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`StudentProbe failed: ${error.message}\n${stderr}`));
        resolve(stdout.split('\n').filter(Boolean).map((line) => line.split('\t')));
      },
    );
    child.stdin?.end(jobs.map((job) => `${job.join('\t')}\n`).join(''));
  });
}
