/**
 * External mode, as a course outgrows one machine: a broker started separately (here by the
 * test, standing in for a real cluster), KAFKA_BROKERS pointing at it. The lab must start
 * nothing of its own, and a student's run must reach that cluster.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { consumeValues, freePortPair, tempStateDir, testClient } from '@/lab/kafka/test-helpers';
import { releaseSiteLab, stubSiteLabEnv } from './kafka-test-helpers';
import type { RunEvent } from './schema';

const MINUTE = 60_000;

describe('modo externo (KAFKA_BROKERS apunta a un clúster existente)', () => {
  let broker: KafkaBroker;
  let brokerState: string;
  let labDir: string;

  beforeAll(async () => {
    brokerState = tempStateDir('external');
    labDir = tempStateDir('lab');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir: brokerState });
    await broker.prepare();
    await broker.start();
    await broker.waitHealthy(120_000);
    // A cluster with SCRAM + ACLs: isolation works there too when the site is given its admin.
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'external', labDir });
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await broker?.stop();
    for (const dir of [brokerState, labDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, MINUTE);

  it('el laboratorio no arranca ningún broker propio y usa el del clúster', async () => {
    const { startLab } = await import('@/lab/index');
    const lab = await startLab({ log: () => undefined, airflow: false, hadoop: false, s3: false, spark: false });
    expect(lab).toMatchObject({ mode: 'external', brokers: broker.brokers });
    expect(existsSync(path.join(labDir, 'kafka', 'broker.pid'))).toBe(false);
    await lab.stop();
    const { labStatus } = await import('@/lib/lab/status');
    const status = await labStatus();
    expect(status.kafka).toMatchObject({ ok: true, mode: 'external', brokers: 1 });
  });

  it('la ejecución del alumno llega a ese clúster', { timeout: MINUTE }, async () => {
    const { Run } = await import('./run');
    const { executeKafkaSnippet } = await import('./kafka-ts');
    const topic = `alumno.externo-${Date.now()}`;
    const run = new Run({
      lesson: 'kafka/productor',
      snippet: 'kafka/productor/externo',
      kind: 'kafka-ts',
      files: [
        {
          name: 'producer.ts',
          content: `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'externo', brokers: process.env.KAFKA_BROKERS!.split(',') })
const producer = kafka.producer()
await producer.connect()
await producer.send({ topic: process.env.KAFKA_TOPIC_PREFIX + '${topic.slice('alumno.'.length)}', acks: -1, messages: [{ key: 'k', value: 'en el clúster externo' }] })
await producer.disconnect()
console.log('enviado')
`,
        },
      ],
    });
    const events: RunEvent[] = [];
    run.subscribe((event) => events.push(event));
    await executeKafkaSnippet(run);
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    expect(events).toContainEqual({ type: 'stdout', text: 'enviado' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'record', record: expect.objectContaining({ direction: 'produced', topic, offset: '0' }) }));
    const seen = await consumeValues(testClient(broker.brokers, broker.adminSasl), topic, new Set(['en el clúster externo']), 20_000);
    expect(seen.has('en el clúster externo')).toBe(true);
  });
});
