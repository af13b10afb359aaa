/**
 * Two students on one lab broker, through the real sandbox: each run gets only its student's
 * own credential and prefix, a refusal comes back explained in Spanish, and the instructor's
 * reset clears one student's namespace without touching another's.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { freePortPair, tempStateDir, testClient } from '@/lab/kafka/test-helpers';
import { releaseSiteLab, stubSiteLabEnv } from './kafka-test-helpers';
import type { RunEvent } from './schema';

const MINUTE = 60_000;

/** Runs one kafka-ts file as `student` and returns its events. */
async function runAs(student: string, content: string, until?: (events: RunEvent[]) => boolean): Promise<RunEvent[]> {
  const { Run } = await import('./run');
  const { executeKafkaSnippet } = await import('./kafka-ts');
  const run = new Run({ lesson: 'kafka/productor', snippet: 'kafka/productor/aislamiento', kind: 'kafka-ts', files: [{ name: 'main.ts', content }] }, { student });
  const events: RunEvent[] = [];
  run.subscribe((event) => {
    events.push(event);
    if (until?.(events)) run.stop();
  });
  await executeKafkaSnippet(run);
  return events;
}

const lessonProducer = /```ts title="producer\.ts"\n([\s\S]*?)```/.exec(readFileSync(path.join(process.cwd(), 'content', 'kafka', 'productor.mdx'), 'utf8'))![1]!;

describe('aislamiento entre alumnos en el laboratorio de Kafka', () => {
  let broker: KafkaBroker;
  let stateDir: string;
  let dagsDir: string;

  beforeAll(async () => {
    stateDir = tempStateDir('isolation');
    dagsDir = tempStateDir('dags');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir });
    await broker.prepare();
    await broker.start();
    await broker.waitHealthy(2 * MINUTE);
    // What the launcher gives the site's server (lab/index.ts: running.env).
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'embedded' });
    vi.stubEnv('AIRFLOW_API_URL', 'http://127.0.0.1:1');
    vi.stubEnv('AIRFLOW_DAGS_DIR', dagsDir);
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await broker?.stop();
    for (const dir of [stateDir, dagsDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, MINUTE);

  it('el programa del alumno solo ve su usuario, su contraseña y su prefijo: nunca los del administrador', { timeout: MINUTE }, async () => {
    const events = await runAs('Ana', 'console.log(JSON.stringify(process.env))\n');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    const line = events.find((e) => e.type === 'stdout' && e.text.startsWith('{'));
    const env = JSON.parse(line?.type === 'stdout' ? line.text : '{}') as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(['HOME', 'KAFKA_BROKERS', 'KAFKA_PASSWORD', 'KAFKA_TOPIC_PREFIX', 'KAFKA_USERNAME', 'MALLOC_ARENA_MAX', 'PATH', 'PWD']);
    expect(env).toMatchObject({ KAFKA_BROKERS: broker.brokers, KAFKA_USERNAME: 'alumno-ana', KAFKA_TOPIC_PREFIX: 'ana.' });
    const everything = JSON.stringify(events);
    expect(everything).not.toContain(broker.adminSasl.password);
    expect(everything).not.toContain('KAFKA_ADMIN');
  });

  it('un tema de 1.000 particiones se rechaza y el alumno ve un aviso en español que nombra el límite', { timeout: MINUTE }, async () => {
    const code = `import { Kafka } from 'kafkajs';
const admin = new Kafka({ clientId: 'inundar', brokers: process.env.KAFKA_BROKERS!.split(',') }).admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: process.env.KAFKA_TOPIC_PREFIX + 'inundado', numPartitions: 1000 }] });
console.log('creado');
await admin.disconnect();
`;
    const events = await runAs('Ana', code);
    expect(events).not.toContainEqual({ type: 'stdout', text: 'creado' });
    // The broker's own reason reaches the student (kafkajs alone drops it), so the notice names
    // the very limit and the number asked for.
    expect(events.some((e) => e.type === 'stderr' && e.text.includes('Cauce: un tema admite como máximo 12 particiones (pediste 1000)'))).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'notice', message: 'Superaste el límite de particiones por tema del laboratorio (12): pediste 1000.' }));
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'failed' });
    const admin = testClient(broker.brokers, broker.adminSasl).admin();
    await admin.connect();
    const topics = await admin.listTopics().finally(() => admin.disconnect());
    expect(topics).not.toContain('ana.inundado');
  });

  it('el productor de la lección, tal cual, escribe en el tema con el prefijo del alumno', { timeout: MINUTE }, async () => {
    const events = await runAs('Ana', lessonProducer);
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    expect(events).toContainEqual({ type: 'stdout', text: 'tema "ana.mensajes" creado' });
    const records = events.filter((e) => e.type === 'record');
    expect(records).toHaveLength(5);
    expect(records.every((e) => e.type === 'record' && e.record.topic === 'ana.mensajes')).toBe(true);
  });

  it('el consumidor de la lección antes que el productor: el tema aún no existe y el aviso dice qué hacer', async () => {
    const lessonConsumer = /```ts title="consumer\.ts"\n([\s\S]*?)```/.exec(readFileSync(path.join(process.cwd(), 'content', 'kafka', 'consumidor.mdx'), 'utf8'))![1]!;
    const events = await runAs('nueva', lessonConsumer, (seen) => seen.some((e) => e.type === 'notice'));
    const notices = events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContainEqual(expect.stringMatching(/todavía no existe en tu espacio del laboratorio.*Ejecuta primero el productor/));
    expect(notices.join()).not.toMatch(/solo puedes usar temas/); // not mistaken for a wrong prefix
  });

  it('A escribe en el tema de B: Kafka lo rechaza y A lo ve explicado en español', { timeout: MINUTE }, async () => {
    await runAs('Bea', lessonProducer);
    const events = await runAs(
      'Ana',
      `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'intrusa', brokers: process.env.KAFKA_BROKERS!.split(','), retry: { retries: 1 } })
const producer = kafka.producer()
await producer.connect()
await producer.send({ topic: 'bea.mensajes', messages: [{ value: 'intrusa' }] })
`,
    );
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'failed' });
    expect(events.some((e) => e.type === 'stderr' && /Not authorized to access topics/.test(e.text))).toBe(true);
    expect(events).toContainEqual({
      type: 'notice',
      message:
        'Kafka rechazó el acceso: solo puedes usar temas y grupos de consumidores que empiecen por «ana.». Usa process.env.KAFKA_TOPIC_PREFIX delante de sus nombres, como en el ejemplo.',
    });
  });

  it('A lee el tema de B o se une a su grupo: rechazado, con la misma explicación', { timeout: 2 * MINUTE }, async () => {
    const notice = (events: RunEvent[]) => events.some((e) => e.type === 'notice' && e.message.startsWith('Kafka rechazó el acceso'));
    const reading = await runAs(
      'Ana',
      `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'lectora', brokers: process.env.KAFKA_BROKERS!.split(','), retry: { retries: 1 } })
const consumer = kafka.consumer({ groupId: 'ana.espia' })
await consumer.connect()
await consumer.subscribe({ topics: ['bea.mensajes'], fromBeginning: true })
`,
      notice,
    );
    expect(notice(reading)).toBe(true);
    expect(reading.some((e) => e.type === 'stderr' && /TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/.test(e.text))).toBe(true);

    const joining = await runAs(
      'Ana',
      `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'colada', brokers: process.env.KAFKA_BROKERS!.split(','), retry: { retries: 1 } })
const consumer = kafka.consumer({ groupId: 'bea.cauce-lectores' })
await consumer.connect()
await consumer.subscribe({ topics: ['ana.mensajes'], fromBeginning: true })
await consumer.run({ eachMessage: async ({ message }) => console.log(message.value?.toString()) })
`,
      notice,
    );
    expect(notice(joining)).toBe(true);
    expect(joining.some((e) => e.type === 'stderr' && /GROUP_AUTHORIZATION_FAILED/.test(e.text))).toBe(true);
    expect(joining.some((e) => e.type === 'record')).toBe(false);
  });

  it('el instructor reinicia el espacio de A: sus temas, grupos y DAGs desaparecen; los de B siguen', { timeout: 2 * MINUTE }, async () => {
    const consume = (student: string) =>
      runAs(
        student,
        `import { Kafka } from 'kafkajs'
const prefijo = process.env.KAFKA_TOPIC_PREFIX
const kafka = new Kafka({ clientId: 'lectores', brokers: process.env.KAFKA_BROKERS!.split(',') })
const consumer = kafka.consumer({ groupId: prefijo + 'cauce-lectores' })
await consumer.connect()
await consumer.subscribe({ topics: [prefijo + 'mensajes'], fromBeginning: true })
await consumer.run({ eachMessage: async () => undefined })
`,
        // "Detener" once the 5 messages are read: the shim leaves the group cleanly.
        (events) => events.filter((e) => e.type === 'record' && e.record.direction === 'consumed').length >= 5,
      );
    for (const student of ['Ana', 'Bea']) expect((await consume(student)).at(-1)).toMatchObject({ type: 'exit', reason: 'stopped' });
    // They left their groups on "Detener" (a killed member would hold its group for the whole
    // session timeout, and the student's next consumer would wait for it).
    const watcher = testClient(broker.brokers, broker.adminSasl).admin();
    await watcher.connect();
    const described = await watcher.describeGroups(['ana.cauce-lectores', 'bea.cauce-lectores']);
    await watcher.disconnect();
    expect(described.groups.map((g) => [g.groupId, g.state, g.members.length]).sort()).toEqual([
      ['ana.cauce-lectores', 'Empty', 0],
      ['bea.cauce-lectores', 'Empty', 0],
    ]);
    for (const folder of ['cauce_ana', 'cauce_bea']) mkdirSync(path.join(dagsDir, folder), { recursive: true });

    const { resetStudentNamespace } = await import('@/lib/lab/namespace');
    const result = await resetStudentNamespace('Ana');
    expect(result).toMatchObject({ kafka: true, dags: true, groups: ['ana.cauce-lectores'] });
    expect(result.topics).toContain('ana.mensajes');

    const admin = testClient(broker.brokers, broker.adminSasl).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    await admin.disconnect();
    expect(topics.filter((t) => t.startsWith('ana.'))).toEqual([]);
    expect(topics).toContain('bea.mensajes');
    expect(groups).not.toContain('ana.cauce-lectores');
    expect(groups).toContain('bea.cauce-lectores');
    expect(existsSync(path.join(dagsDir, 'cauce_ana'))).toBe(false);
    expect(existsSync(path.join(dagsDir, 'cauce_bea'))).toBe(true);
  });
});
