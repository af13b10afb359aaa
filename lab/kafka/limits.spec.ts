/**
 * The lab's Kafka limits against a real broker (own port and temp dir): quotas on each
 * student's principal, the broker's topic policy, the DENY ALTER ACL. Each student here is
 * new, so every test starts from an empty namespace. Without the lab's jars prepare() fails
 * (it downloads them first), and so does every test, with that reason.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { inspect } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaLimitHit } from '@/lib/runs/kafka-limits';
import { KafkaBroker } from './broker';
import type { KafkaSasl, StudentKafkaAccess } from './credentials';
import { KAFKA_QUOTAS, KAFKA_TOPIC_LIMITS } from '@/lib/limits';
import { TenantAdmin } from './tenants';
import { freePortPair, studentProbe, tempStateDir, testClient } from './test-helpers';

const MINUTE = 60_000;
const KiB = 1024;
const MiB = 1024 * KiB;

/** A student's kafkajs, optionally keeping every log line (DEBUG shows throttling). */
function client(brokers: string, sasl: KafkaSasl, logs?: string[]): Kafka {
  return new Kafka({
    clientId: 'cauce-limits-spec',
    brokers: [brokers],
    sasl: { ...sasl },
    logLevel: logs ? logLevel.DEBUG : logLevel.NOTHING,
    ...(logs ? { logCreator: () => (entry: { log: { message: string } }) => void logs.push(entry.log.message) } : {}),
    connectionTimeout: 2_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
}

/** The refusal kafkajs gives for createTopics, as Node would print it uncaught. */
async function createRefusal(kafka: Kafka, topics: Array<{ topic: string; numPartitions?: number; configEntries?: Array<{ name: string; value: string }> }>) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const error = await admin.createTopics({ topics, waitForLeaders: true }).then(
      () => undefined,
      (e: unknown) => e as Error & { errors?: Array<{ type: string; topic: string }> },
    );
    return error;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces `totalBytes` in sends of 8 x 64 KiB as fast as acks allow. Returns bytes per
 * second overall and after the first `burstBytes` (Kafka's quota window lets a burst through).
 */
async function produceFast(kafka: Kafka, topic: string, totalBytes: number, burstBytes: number): Promise<{ overall: number; afterBurst: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const value = Buffer.alloc(64 * KiB, 'x');
  const perSend = 8;
  const started = Date.now();
  let burstEnded = 0;
  let sent = 0;
  while (sent < totalBytes) {
    await producer.send({ topic, acks: 1, messages: Array.from({ length: perSend }, () => ({ value })) });
    sent += perSend * value.length;
    if (!burstEnded && sent >= burstBytes) burstEnded = Date.now();
  }
  const ended = Date.now();
  await producer.disconnect();
  return { overall: totalBytes / ((ended - started) / 1000), afterBurst: (totalBytes - burstBytes) / (Math.max(ended - burstEnded, 1) / 1000) };
}

describe('límites de Kafka por alumno: cuotas, política de temas y ACL', () => {
  let port: number;
  let stateDir: string;
  let broker: KafkaBroker;
  let tenants: TenantAdmin;
  const student = async (name: string): Promise<StudentKafkaAccess> => tenants.ensureStudent(`${name}_${randomUUID().slice(0, 6)}`);
  const probe = (access: StudentKafkaAccess, jobs: string[][]) => studentProbe(broker.paths.libsDir, broker.brokers, access.sasl, jobs);

  beforeAll(async () => {
    port = await freePortPair();
    stateDir = tempStateDir('limits');
    broker = new KafkaBroker({ port, stateDir });
    await broker.prepare();
    await broker.start();
    await broker.waitHealthy(2 * MINUTE);
    tenants = new TenantAdmin({ brokers: [broker.brokers], admin: broker.adminSasl });
  }, 5 * MINUTE);

  afterAll(async () => {
    tenants?.close();
    await broker?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  it('al dar de alta a un alumno, Kafka guarda sus cuotas (describeClientQuotas) con los números de limits.ts', async () => {
    const ana = await student('ana');
    const name = ana.sasl.username.replace(/^alumno-/, '');
    expect(await tenants.studentQuotas(name)).toEqual({
      producer_byte_rate: KAFKA_QUOTAS.producerBytesPerSecond,
      consumer_byte_rate: KAFKA_QUOTAS.consumerBytesPerSecond,
      controller_mutation_rate: KAFKA_QUOTAS.controllerMutationsPerSecond,
    });
    expect(await tenants.studentQuotas('nadie-dado-de-alta')).toEqual({});
  });

  it('el alumno pide un tema de 1000 particiones y Kafka lo rechaza con el mensaje del laboratorio', async () => {
    const ana = await student('ana');
    const kafka = client(broker.brokers, ana.sasl);
    const error = await createRefusal(kafka, [{ topic: `${ana.prefix}mil`, numPartitions: 1000 }]);
    expect(error?.errors?.map((e) => e.type)).toEqual(['POLICY_VIOLATION']);
    // kafkajs drops the broker's text; the run still names the limits.
    expect(kafkaLimitHit(`Uncaught ${inspect(error)}`)?.limit).toBe('topic-policy');

    // A client that keeps the broker's message (Java's) shows the exact refusal.
    const [answer] = await probe(ana, [['create', `${ana.prefix}mil`, '1000']]);
    expect(answer).toEqual(['error', 'PolicyViolationException', 'Cauce: un tema admite como máximo 12 particiones (pediste 1000).']);
    expect(kafkaLimitHit(answer!.join(': '))?.message).toBe('Superaste el límite de particiones por tema del laboratorio (12): pediste 1000.');

    // The cap itself is allowed, and nothing of the refused topic exists.
    expect(await createRefusal(kafka, [{ topic: `${ana.prefix}doce`, numPartitions: KAFKA_TOPIC_LIMITS.partitionsPerTopic }])).toBeUndefined();
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.listTopics()).sort()).toEqual([`${ana.prefix}doce`]);
    await admin.disconnect();
  });

  it('retención y segmentos por encima del tope, o configuraciones fuera de la lista, se rechazan al crear y al cambiar', async () => {
    const ana = await student('ana');
    const t = (name: string) => `${ana.prefix}${name}`;
    const answers = await probe(ana, [
      ['create', t('para-siempre'), '1', 'retention.ms=-1'],
      ['create', t('enorme'), '1', `retention.bytes=${KAFKA_TOPIC_LIMITS.maxRetentionBytes + 1}`],
      ['create', t('segmento'), '1', 'segment.bytes=1073741824'],
      ['create', t('rodajas'), '1', 'segment.ms=1'],
      ['create', t('compacto'), '1', 'cleanup.policy=compact'],
      ['create', t('fsync'), '1', 'flush.messages=1'],
      ['create', t('bien'), '1', 'retention.ms=3600000;cleanup.policy=compact,delete;compression.type=lz4'],
      ['alter', t('bien'), 'retention.ms=-1'],
      ['alter', t('bien'), 'retention.bytes=4194304'],
      ['alter', t('bien'), 'retention.bytes=65536'],
    ]);
    expect(answers).toEqual([
      ['error', 'PolicyViolationException', 'Cauce: la retención por tiempo de un tema es como máximo de 7 días (retention.ms ≤ 604800000; pediste -1).'],
      ['error', 'PolicyViolationException', 'Cauce: la retención por tamaño es como máximo de 2 MiB por partición (retention.bytes ≤ 2097152; pediste 2097153).'],
      ['error', 'PolicyViolationException', 'Cauce: un segmento ocupa como máximo 1 MiB (segment.bytes ≤ 1048576; pediste 1073741824).'],
      ['error', 'PolicyViolationException', 'Cauce: un segmento dura como mínimo 10 minutos (segment.ms ≥ 600000; pediste 1).'],
      ['error', 'PolicyViolationException', 'Cauce: cleanup.policy debe incluir «delete» para que se aplique la retención (pediste «compact»); usa «compact,delete».'],
      ['error', 'PolicyViolationException', 'Cauce: el laboratorio no permite cambiar «flush.messages» en los temas.'],
      ['ok'],
      ['error', 'PolicyViolationException', 'Cauce: la retención por tiempo de un tema es como máximo de 7 días (retention.ms ≤ 604800000; pediste -1).'],
      ['error', 'PolicyViolationException', 'Cauce: la retención por tamaño es como máximo de 2 MiB por partición (retention.bytes ≤ 2097152; pediste 4194304).'],
      ['ok'],
    ]);
    expect(answers.slice(0, 6).map((answer) => kafkaLimitHit(answer.join(': '))?.limit)).toEqual([
      'retention',
      'retention',
      'segment',
      'segment',
      'cleanup-policy',
      'topic-config',
    ]);

    // kafkajs (what students run) gets the same refusals as POLICY_VIOLATION.
    const kafka = client(broker.brokers, ana.sasl);
    const refused = await createRefusal(kafka, [{ topic: t('kafkajs'), configEntries: [{ name: 'retention.bytes', value: '-1' }] }]);
    expect(refused?.errors?.map((e) => e.type)).toEqual(['POLICY_VIOLATION']);
    const admin = kafka.admin();
    await admin.connect();
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: t('bien'), configEntries: [{ name: 'retention.ms', value: '-1' }] }] }),
    ).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });

    // A topic created without settings gets the caps as its defaults.
    await admin.createTopics({ topics: [{ topic: t('por-defecto') }], waitForLeaders: true });
    const described = await admin.describeConfigs({ resources: [{ type: 2, name: t('por-defecto') }], includeSynonyms: false });
    const configs = Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
    expect(configs).toMatchObject({
      'retention.ms': String(KAFKA_TOPIC_LIMITS.maxRetentionMs),
      'retention.bytes': String(KAFKA_TOPIC_LIMITS.maxRetentionBytes),
      'segment.bytes': String(KAFKA_TOPIC_LIMITS.maxSegmentBytes),
      'cleanup.policy': 'delete',
    });
    await admin.disconnect();
  });

  it('añadir particiones a un tema propio está denegado (ACL), así que el tope por tema no se esquiva', async () => {
    const ana = await student('ana');
    const topic = `${ana.prefix}crecer`;
    const admin = client(broker.brokers, ana.sasl).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const error = await admin.createPartitions({ topicPartitions: [{ topic, count: 1000 }] }).then(
      () => undefined,
      (e: unknown) => e as Error & { type?: string },
    );
    expect(error?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(kafkaLimitHit(`Uncaught ${inspect(error)}`)?.limit).toBe('add-partitions');
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(1);
    await admin.disconnect();
  });

  it(
    `el tema ${KAFKA_TOPIC_LIMITS.topicsPerStudent + 1} de un alumno se rechaza, también el que crearía un productor; al reiniciar su espacio vuelve a poder`,
    { timeout: 2 * MINUTE },
    async () => {
      const bea = await student('bea');
      const kafka = client(broker.brokers, bea.sasl);
      const many = Array.from({ length: KAFKA_TOPIC_LIMITS.topicsPerStudent }, (_, i) => ({ topic: `${bea.prefix}t${i}`, numPartitions: 1 }));
      // All in one request: the policy counts what it approved before the broker lists it.
      expect(await createRefusal(kafka, many)).toBeUndefined();
      const error = await createRefusal(kafka, [{ topic: `${bea.prefix}uno-mas` }]);
      expect(error?.errors?.map((e) => e.type)).toEqual(['POLICY_VIOLATION']);
      const [answer] = await probe(bea, [['create', `${bea.prefix}uno-mas`, '1']]);
      expect(answer).toEqual([
        'error',
        'PolicyViolationException',
        `Cauce: cada alumno puede tener como máximo ${KAFKA_TOPIC_LIMITS.topicsPerStudent} temas (ya tienes ${KAFKA_TOPIC_LIMITS.topicsPerStudent}). Borra alguno o reinicia tu espacio.`,
      ]);
      expect(kafkaLimitHit(answer!.join(': '))?.limit).toBe('topics-per-student');

      // Auto-creation by a producer goes through the same policy: no topic appears.
      const producer = kafka.producer({ retry: { retries: 2, initialRetryTime: 100 } });
      await producer.connect();
      await expect(producer.send({ topic: `${bea.prefix}auto`, messages: [{ value: 'x' }] })).rejects.toThrow();
      await producer.disconnect();
      const admin = testClient(broker.brokers, broker.adminSasl).admin();
      await admin.connect();
      expect((await admin.listTopics()).filter((name) => name.startsWith(bea.prefix))).toHaveLength(KAFKA_TOPIC_LIMITS.topicsPerStudent);
      await admin.disconnect();

      // After a reset the policy sees the deletions within a refresh or two.
      const slug = bea.prefix.slice(0, -1);
      await tenants.resetStudent(slug);
      const deadline = Date.now() + 15_000;
      let again = await createRefusal(kafka, [{ topic: `${bea.prefix}de-nuevo` }]);
      while (again && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        again = await createRefusal(kafka, [{ topic: `${bea.prefix}de-nuevo` }]);
      }
      expect(again).toBeUndefined();
    },
  );

  it(`las particiones de todos los temas de un alumno suman como máximo ${KAFKA_TOPIC_LIMITS.partitionsPerStudent}`, async () => {
    const cid = await student('cid');
    const kafka = client(broker.brokers, cid.sasl);
    const full = Array.from({ length: KAFKA_TOPIC_LIMITS.partitionsPerStudent / KAFKA_TOPIC_LIMITS.partitionsPerTopic }, (_, i) => ({
      topic: `${cid.prefix}grande${i}`,
      numPartitions: KAFKA_TOPIC_LIMITS.partitionsPerTopic,
    }));
    expect(await createRefusal(kafka, full)).toBeUndefined();
    expect((await createRefusal(kafka, [{ topic: `${cid.prefix}una-mas`, numPartitions: 1 }]))?.errors?.map((e) => e.type)).toEqual(['POLICY_VIOLATION']);
    const [answer] = await probe(cid, [['create', `${cid.prefix}una-mas`, '1']]);
    expect(answer?.[2]).toBe(
      `Cauce: tus temas pueden sumar como máximo ${KAFKA_TOPIC_LIMITS.partitionsPerStudent} particiones (ya tienes ${KAFKA_TOPIC_LIMITS.partitionsPerStudent} y este pide 1).`,
    );
    expect(kafkaLimitHit(answer!.join(': '))?.limit).toBe('partitions-per-student');
  });

  it('un alumno que produce a toda velocidad va frenado a su cuota; el administrador, no', { timeout: 2 * MINUTE }, async () => {
    const dan = await student('dan');
    const topic = `${dan.prefix}rapido`;
    const logs: string[] = [];
    const kafka = client(broker.brokers, dan.sasl, logs);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const adminTopic = `caudal-${randomUUID().slice(0, 8)}`;
    const adminKafka = testClient(broker.brokers, broker.adminSasl);
    const siteAdmin = adminKafka.admin();
    await siteAdmin.connect();
    await siteAdmin.createTopics({ topics: [{ topic: adminTopic }], waitForLeaders: true });
    await siteAdmin.disconnect();

    // Kafka measures a rate over 11 one-second windows (and counts at least 10 s), so about
    // ten seconds' worth passes at full speed; past it, every response asks the client to wait.
    const burst = 12 * MiB;
    const total = burst + 5 * MiB;
    const own = await produceFast(kafka, topic, total, burst);
    const site = await produceFast(adminKafka, adminTopic, total, burst);
    const throttled = logs.filter((line) => line.startsWith('Client side throttling in effect'));
    console.log(
      `caudal: alumno ${(own.afterBurst / MiB).toFixed(2)} MiB/s tras la ráfaga (${(own.overall / MiB).toFixed(2)} MiB/s en total, ` +
        `cuota ${KAFKA_QUOTAS.producerBytesPerSecond / MiB} MiB/s, ${throttled.length} esperas pedidas por el broker), ` +
        `administrador ${(site.afterBurst / MiB).toFixed(2)} MiB/s`,
    );
    expect(throttled.length).toBeGreaterThan(0);
    expect(kafkaLimitHit(throttled[0]!)?.limit).toBe('throughput');
    expect(own.afterBurst).toBeLessThan(1.5 * KAFKA_QUOTAS.producerBytesPerSecond);
    expect(site.afterBurst).toBeGreaterThan(2 * own.afterBurst);
  });
});
