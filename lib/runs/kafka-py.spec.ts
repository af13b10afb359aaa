/**
 * The kafka-py kind through the run path (Run, the student's principal, the real sandbox) on a
 * real lab broker: the lessons' Python producer and consumer as written, their records as the
 * same events kafka-ts runs make, refusals and errors in Spanish, and Detener leaving the group.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { prepareKafkaPython } from '@/lab/kafka/python-client';
import { freePortPair, tempStateDir, testClient } from '@/lab/kafka/test-helpers';
import { releaseSiteLab, stubSiteLabEnv } from './kafka-test-helpers';
import { RUN_MESSAGES } from './messages';
import type { KafkaRecord, RunEvent } from './schema';

const MINUTE = 60_000;

/** A Python file of a lesson, as the page shows it. */
function lessonPython(lesson: string, file: string): string {
  const body = readFileSync(path.join(process.cwd(), 'content', 'kafka', `${lesson}.mdx`), 'utf8');
  const code = new RegExp(`\`\`\`py title="${file.replace('.', '\\.')}"\\n([\\s\\S]*?)\`\`\``).exec(body)?.[1];
  if (!code) throw new Error(`${file} no está en ${lesson}.mdx`);
  return code;
}

/** Runs one kafka-py file as `student` and returns its events; `until` stops it (Detener). */
async function runAs(student: string, content: string, until?: (events: RunEvent[]) => boolean, name = 'main.py'): Promise<RunEvent[]> {
  const { Run } = await import('./run');
  const { executeKafkaPySnippet } = await import('./kafka-py');
  const run = new Run({ lesson: 'kafka/productor', snippet: 'kafka/productor/kafka-py', kind: 'kafka-py', files: [{ name, content }] }, { student });
  const events: RunEvent[] = [];
  run.subscribe((event) => {
    events.push(event);
    if (until?.(events)) run.stop();
  });
  await executeKafkaPySnippet(run);
  return events;
}

const records = (events: RunEvent[], direction: KafkaRecord['direction']) => events.flatMap((e) => (e.type === 'record' && e.record.direction === direction ? [e.record] : []));
const text = (events: RunEvent[], type: 'stdout' | 'stderr') => events.flatMap((e) => (e.type === type ? [e.text] : [])).join('\n');

describe('kafka-py: el cliente de Python del artículo en el laboratorio', () => {
  let broker: KafkaBroker;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = tempStateDir('kafka-py');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir });
    await Promise.all([prepareKafkaPython(), broker.prepare()]);
    await broker.start();
    await broker.waitHealthy(2 * MINUTE);
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'embedded' });
    vi.stubEnv('AIRFLOW_API_URL', 'http://127.0.0.1:1');
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await broker?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  it('el alumno ejecuta el productor de Python de la lección y sus mensajes llegan como registros', { timeout: MINUTE }, async () => {
    const events = await runAs('Ana', lessonPython('productor', 'producer.py'), undefined, 'producer.py');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    expect(text(events, 'stdout')).toContain('tema "ana.mensajes" creado');
    const produced = records(events, 'produced');
    expect(produced.map((r) => [r.topic, r.partition, r.offset, r.key])).toEqual([0, 1, 2, 3, 4].map((i) => ['ana.mensajes', 0, String(i), `sensor-${i % 2}`]));
    expect(JSON.parse(produced[0]!.value!)).toEqual({ n: 0, texto: 'Hola Kafka 0' });
  });

  it('el consumidor de Python de la lección los lee; al pulsar Detener sale del grupo, que queda vacío y al día', { timeout: 2 * MINUTE }, async () => {
    // Stopped once the fifth line is printed: each line must reach the page as it is printed, not at the end.
    const events = await runAs('Ana', lessonPython('consumidor', 'consumer.py'), (seen) => seen.some((e) => e.type === 'stdout' && e.text.includes('offset 4')), 'consumer.py');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'stopped' });
    const consumed = records(events, 'consumed');
    expect(consumed.map((r) => [r.topic, r.offset, r.key, r.consumer])).toEqual([0, 1, 2, 3, 4].map((i) => ['ana.mensajes', String(i), `sensor-${i % 2}`, 'consumidor-1']));
    expect(text(events, 'stdout')).toContain('ana.mensajes[0] offset 4 clave=sensor-0');
    const admin = testClient(broker.brokers, broker.adminSasl).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups(['ana.cauce-lectores']);
      expect(groups[0]).toMatchObject({ groupId: 'ana.cauce-lectores', state: 'Empty', members: [] });
      const [offsets] = await admin.fetchOffsets({ groupId: 'ana.cauce-lectores', topics: ['ana.mensajes'] });
      expect(offsets?.partitions).toEqual([{ partition: 0, offset: '5', metadata: null }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('el ejemplo de grupos en Python reparte las tres particiones entre A y B y cada uno lee las suyas', { timeout: 2 * MINUTE }, async () => {
    const events = await runAs('Ana', lessonPython('consumidor', 'grupos.py'), undefined, 'grupos.py');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    const out = text(events, 'stdout');
    expect(out).toMatch(/consumidor A: particiones \[\d(, \d)*\]/);
    expect(out).toMatch(/consumidor B: particiones \[\d(, \d)*\]/);
    const consumed = records(events, 'consumed');
    expect(consumed).toHaveLength(6);
    expect(new Set(consumed.map((r) => r.consumer)).size).toBe(2); // two members, each with its label
    // Every order of a client went to one partition (same key, same partition).
    for (const client of ['ana', 'luis', 'marta']) expect(new Set(consumed.filter((r) => r.key === client).map((r) => r.partition)).size).toBe(1);
  });

  it('A escribe en el tema de B: Kafka lo rechaza y A lo ve explicado en español, marcado en su línea', { timeout: MINUTE }, async () => {
    const code = `import os
from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers=os.environ['KAFKA_BROKERS'].split(','))
producer.send('bea.mensajes', b'hola').get(timeout=10)
print('escrito')
`;
    const events = await runAs('Ana', code);
    expect(text(events, 'stdout')).not.toContain('escrito');
    expect(events).toContainEqual({ type: 'notice', message: RUN_MESSAGES.kafkaRefused('ana.', 'os.environ["KAFKA_TOPIC_PREFIX"]') });
    expect(events).toContainEqual(expect.objectContaining({ type: 'diagnostic', file: 'main.py', line: 5 }));
    const exit = events.at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'failed' });
    expect(exit?.type === 'exit' && exit.message).toContain('en main.py, línea 5');
    expect(exit?.type === 'exit' && exit.message).toContain('TopicAuthorizationFailedError: Kafka no te deja usar ese tema');
  });

  it('el consumidor de la lección antes que el productor: el tema aún no existe y el aviso dice qué hacer', { timeout: MINUTE }, async () => {
    const events = await runAs('Bea', lessonPython('consumidor', 'consumer.py'), (seen) => seen.some((e) => e.type === 'notice'), 'consumer.py');
    expect(events).toContainEqual({ type: 'notice', message: RUN_MESSAGES.topicMissing });
    expect(text(events, 'stderr')).toContain('kafka-python: Topic bea.mensajes not found in cluster metadata');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'stopped' });
  });

  it('el programa solo ve su usuario, su contraseña y su prefijo: nunca los del administrador', { timeout: MINUTE }, async () => {
    const events = await runAs('Ana', 'import json, os\nprint(json.dumps(dict(os.environ)))\n');
    const env = JSON.parse(text(events, 'stdout')) as Record<string, string>;
    expect(env).toMatchObject({ KAFKA_BROKERS: broker.brokers, KAFKA_USERNAME: 'alumno-ana', KAFKA_TOPIC_PREFIX: 'ana.' });
    expect(JSON.stringify(events)).not.toContain(broker.adminSasl.password);
    expect(Object.keys(env).some((k) => k.startsWith('KAFKA_ADMIN') || k.startsWith('CAUCE_'))).toBe(false);
  });
});
