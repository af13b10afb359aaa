/**
 * A real 3-node KRaft cluster in external mode, bootstrapped through ONE of its brokers: a
 * student's run reaches the other two only through the addresses the cluster advertises
 * (lab status -> the run's relays), and nothing else, not even the cluster's controllers.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, tempStateDir, testClient, type TestCluster } from '@/lab/kafka/test-helpers';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { releaseSiteLab, stubSiteLabEnv } from './kafka-test-helpers';
import type { KafkaRecord, RunEvent } from './schema';

const MINUTE = 60_000;
const MESSAGES = 30;

/** Runs one kafka-ts file as `student` through the real sandbox and returns its events. */
async function runAs(student: string, content: string): Promise<RunEvent[]> {
  const { Run } = await import('./run');
  const { executeKafkaSnippet } = await import('./kafka-ts');
  const run = new Run({ lesson: 'kafka/productor', snippet: 'kafka/productor/cluster', kind: 'kafka-ts', files: [{ name: 'main.ts', content }] }, { student });
  const events: RunEvent[] = [];
  run.subscribe((event) => events.push(event));
  await executeKafkaSnippet(run);
  return events;
}

const records = (events: RunEvent[], direction: KafkaRecord['direction']) => events.flatMap((e) => (e.type === 'record' && e.record.direction === direction ? [e.record] : []));
const stdout = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'stdout' ? [e.text] : []));

describe('un clúster de 3 brokers en modo externo', () => {
  let cluster: TestCluster;
  let labDir: string;

  beforeAll(async () => {
    // Fail, never skip: a green run must mean the sandbox and the cluster were really tested.
    assertSandboxPrerequisites();
    labDir = tempStateDir('lab');
    cluster = await startTestCluster();
    // The site knows one broker; the other two only come from the cluster's metadata.
    stubSiteLabEnv({ brokers: cluster.brokers[0]!, adminSasl: cluster.adminSasl, mode: 'external', labDir });
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await cluster?.stop();
    if (labDir) rmSync(labDir, { recursive: true, force: true });
  }, 2 * MINUTE);

  it('el estado del laboratorio, con un solo broker de arranque, conoce los tres', async () => {
    const { labStatus } = await import('@/lib/lab/status');
    const status = await labStatus();
    expect(status.kafka).toMatchObject({ ok: true, mode: 'external', brokers: 3, bootstrap: cluster.brokers[0] });
    expect([...(status.kafka.addresses ?? [])].sort()).toEqual([...cluster.brokers].sort());
  });

  it('el alumno crea un tema de 3 particiones y 3 réplicas, escribe con claves en todas y lo lee entero', { timeout: 2 * MINUTE }, async () => {
    const code = `import { Kafka, Partitioners, logLevel } from 'kafkajs'
const kafka = new Kafka({ clientId: 'reparto', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.WARN })
const topic = process.env.KAFKA_TOPIC_PREFIX + 'reparto'
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] })
await admin.disconnect()
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
await producer.connect()
const messages = Array.from({ length: ${MESSAGES} }, (_, i) => ({ key: 'clave-' + i, value: 'mensaje ' + i }))
await producer.send({ topic, acks: -1, messages })
await producer.disconnect()
console.log('enviados ' + messages.length)
const consumer = kafka.consumer({ groupId: process.env.KAFKA_TOPIC_PREFIX + 'reparto-lectores' })
await consumer.connect()
await consumer.subscribe({ topics: [topic], fromBeginning: true })
let leidos = 0
await new Promise<void>((resolve) => {
  void consumer.run({ eachMessage: async () => { if (++leidos === messages.length) resolve() } })
})
await consumer.disconnect()
console.log('leídos ' + leidos)
`;
    const events = await runAs('Clara', code);
    expect(events.at(-1), JSON.stringify(events.filter((e) => e.type !== 'record'))).toMatchObject({ type: 'exit', reason: 'finished' });
    expect(stdout(events)).toEqual(expect.arrayContaining([`enviados ${MESSAGES}`, `leídos ${MESSAGES}`]));

    const topic = 'clara.reparto';
    const produced = records(events, 'produced');
    const consumed = records(events, 'consumed');
    expect(produced).toHaveLength(MESSAGES);
    expect(new Set(produced.map((r) => r.partition))).toEqual(new Set([0, 1, 2]));
    const key = (r: KafkaRecord) => `${r.partition}/${r.offset}/${r.key}/${r.value}`;
    expect(consumed.map(key).sort()).toEqual(produced.map(key).sort());
    expect(consumed.every((r) => r.topic === topic)).toBe(true);

    // Each partition is led by a different broker, so the run wrote to and read from all three:
    // two of them it knew only from the cluster's metadata.
    const admin = testClient(cluster.brokers[0]!, cluster.adminSasl).admin();
    await admin.connect();
    const [described] = (await admin.fetchTopicMetadata({ topics: [topic] }).finally(() => admin.disconnect())).topics;
    const partitions = described?.partitions ?? [];
    expect(partitions).toHaveLength(3);
    expect(new Set(partitions.map((p) => p.leader))).toEqual(new Set([1, 2, 3]));
    expect(partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3)).toBe(true);
  });

  it('la ejecución llega a los tres brokers y a nada más: los controladores del clúster no están ahí', { timeout: MINUTE }, async () => {
    const targets = [...cluster.brokers, ...cluster.controllers];
    const code = `import net from 'node:net'
const probe = (address: string) => new Promise<string>((resolve) => {
  const [host, port] = address.split(':')
  const socket = net.connect({ host, port: Number(port) })
  socket.setTimeout(3000, () => { socket.destroy(); resolve('ETIMEDOUT') })
  socket.once('connect', () => { socket.destroy(); resolve('abierto') })
  socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
})
for (const address of ${JSON.stringify(targets)}) console.log(address + ' ' + await probe(address))
`;
    const events = await runAs('Clara', code);
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    expect(stdout(events)).toEqual([...cluster.brokers.map((address) => `${address} abierto`), ...cluster.controllers.map((address) => `${address} ECONNREFUSED`)]);
  });
});
