/**
 * Fault: the lab's broker is killed (kill -9) under a student's producer, as an out-of-memory
 * kill would. The launcher's supervisor brings it back; the student must read, in Spanish, that
 * Kafka restarted under the program (not "terminó con código 1" and a kafkajs stack), and every
 * message Kafka acknowledged before the kill must be in the topic afterwards.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { consumeValues, freePortPair, tempStateDir, testClient } from '@/lab/kafka/test-helpers';
import { ServiceStateWriter } from '@/lab/service-state';
import { Supervisor } from '@/lab/supervisor';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { releaseSiteLab, stubSiteLabEnv } from './kafka-test-helpers';
import { RUN_MESSAGES } from './messages';
import type { RunEvent } from './schema';

const MINUTE = 60_000;

/** A producer as a student writes it: numbered messages, one every 50 ms, each awaited (acks from all replicas). */
const PRODUCER = `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'numerador', brokers: process.env.KAFKA_BROKERS!.split(','), retry: { retries: 2 } })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic: process.env.KAFKA_TOPIC_PREFIX + 'numeros', numPartitions: 1 }] })
await admin.disconnect()
const producer = kafka.producer()
await producer.connect()
for (let i = 0; i < 2000; i++) {
  await producer.send({ topic: process.env.KAFKA_TOPIC_PREFIX + 'numeros', acks: -1, messages: [{ value: String(i) }] })
  await new Promise((resolve) => setTimeout(resolve, 50))
}
await producer.disconnect()
`;

describe('Kafka muere (kill -9) bajo el productor de un alumno', () => {
  let broker: KafkaBroker;
  let supervisor: Supervisor;
  let stateDir: string;
  let labDir: string;
  const launcherLog: string[] = [];

  beforeAll(async () => {
    assertSandboxPrerequisites();
    stateDir = tempStateDir('restart');
    labDir = tempStateDir('restart-lab');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir });
    await broker.prepare();
    // As the launcher runs it (lab/index.ts): under a supervisor that says what it is doing in services.json.
    supervisor = new Supervisor(broker, { log: (line) => launcherLog.push(line), healthTimeoutMs: 2 * MINUTE });
    new ServiceStateWriter(path.join(labDir, 'services.json')).follow('kafka', supervisor);
    await supervisor.start();
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'embedded', labDir });
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await supervisor?.stop();
    for (const dir of [stateDir, labDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, MINUTE);

  it('el alumno lee en español que Kafka se reinició (la traza queda aparte) y no se pierde ningún mensaje confirmado', { timeout: 4 * MINUTE }, async () => {
    const { Run } = await import('./run');
    const { executeKafkaSnippet } = await import('./kafka-ts');
    const run = new Run(
      { lesson: 'kafka/productor', snippet: 'kafka/productor/reinicio', kind: 'kafka-ts', files: [{ name: 'producer.ts', content: PRODUCER }] },
      { student: 'Ana' },
    );
    const events: RunEvent[] = [];
    const acknowledged = new Set<string>();
    let killed = false;
    run.subscribe((event) => {
      events.push(event);
      if (event.type !== 'record' || event.record.direction !== 'produced') return;
      acknowledged.add(event.record.value ?? '');
      if (acknowledged.size === 20 && !killed) {
        killed = true;
        process.kill(broker.pid!, 'SIGKILL');
      }
    });
    await executeKafkaSnippet(run);

    expect(killed).toBe(true);
    const exit = events.at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'lab-unavailable', message: RUN_MESSAGES.kafkaRestarted });
    expect(events.some((e) => e.type === 'diagnostic')).toBe(false); // no line of theirs is blamed
    // The stack is still there for who wants it (the page folds it under the explanation).
    expect(events.some((e) => e.type === 'stderr' && /KafkaJS\w+Error|ECONNREFUSED|Connection/.test(e.text))).toBe(true);

    // The supervisor brings Kafka back, and every acknowledged message is in the topic.
    await vi.waitFor(() => expect(launcherLog.join('\n')).toContain('Kafka vuelve a estar disponible.'), { timeout: 2 * MINUTE, interval: 500 });
    const stored = await consumeValues(testClient(broker.brokers, broker.adminSasl), 'ana.numeros', acknowledged, 30_000);
    expect([...acknowledged].filter((value) => !stored.has(value))).toEqual([]);
    expect(acknowledged.size).toBeGreaterThanOrEqual(20);
  });
});
