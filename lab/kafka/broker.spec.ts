/**
 * Against a real broker: each spec run gets its own port and state dir, so it can run
 * while the developer's own lab is up. Jars come from .lab/kafka/libs (downloaded by
 * prepare() on first use).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor } from '../supervisor';
import { KafkaBroker } from './broker';
import { checkKafka } from './health';
import { isAlive } from './process';
import { consumeValues, freePortPair, tempStateDir, testClient } from './test-helpers';

const MINUTE = 60_000;

describe('broker de Kafka del laboratorio', () => {
  let port: number;
  let stateDir: string;
  let broker: KafkaBroker;
  let supervisor: Supervisor;
  let kafka: Kafka;
  const supervisorLog: string[] = [];
  let clusterId: string;

  beforeAll(async () => {
    port = await freePortPair();
    stateDir = tempStateDir('kafka');
    broker = new KafkaBroker({ port, stateDir });
    ({ clusterId } = await broker.prepare());
    supervisor = new Supervisor(broker, { log: (line) => supervisorLog.push(line) });
    await supervisor.start();
    kafka = testClient(broker.brokers, broker.adminSasl);
  }, 5 * MINUTE);

  afterAll(async () => {
    await supervisor?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  it('kafkajs 2.2.4 funciona contra este Kafka: describeCluster, createTopics, producir y consumir en grupo', { timeout: 2 * MINUTE }, async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toHaveLength(1);
      expect(cluster.clusterId).toBe(clusterId);

      const topic = `compat-${randomUUID()}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata?.partitions).toHaveLength(3);

      const producer = kafka.producer();
      await producer.connect();
      const values = Array.from({ length: 30 }, (_, i) => `mensaje-${i}`);
      await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
      await producer.disconnect();

      const seen = await consumeValues(kafka, topic, new Set(values), 30_000);
      expect([...seen].sort()).toEqual([...values].sort());
    } finally {
      await admin.disconnect();
    }
  });

  it('tras un kill -9 el supervisor lo levanta y no se pierde ningún mensaje confirmado', { timeout: 4 * MINUTE }, async () => {
    const topic = `durabilidad-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const acknowledged = new Set<string>();
    let failedSends = 0;
    let killedPid: number | undefined;
    let recovered = false;
    let ackedAfterRecovery = 0;
    supervisor.once('healthy', () => (recovered = true));

    // Produce one message at a time (acks = all) while the broker is killed and comes
    // back; only messages whose send resolved count as acknowledged.
    const deadline = Date.now() + 2 * MINUTE;
    for (let i = 0; Date.now() < deadline; i += 1) {
      const value = `m-${i}`;
      try {
        await producer.send({ topic, acks: -1, messages: [{ key: String(i % 7), value }] });
        acknowledged.add(value);
        if (recovered) ackedAfterRecovery += 1;
      } catch {
        failedSends += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (acknowledged.size === 50 && killedPid === undefined) {
        killedPid = broker.pid;
        expect(killedPid).toBeDefined();
        process.kill(killedPid as number, 'SIGKILL');
      }
      if (ackedAfterRecovery >= 50) break;
    }
    await producer.disconnect();

    expect(killedPid).toBeDefined();
    expect(isAlive(killedPid as number)).toBe(false);
    expect(recovered).toBe(true);
    expect(broker.pid).not.toBe(killedPid);
    expect(supervisorLog[0]).toBe('Kafka se detuvo inesperadamente (SIGKILL); reiniciando en 1 s…');
    expect(ackedAfterRecovery).toBeGreaterThanOrEqual(50);

    const seen = await consumeValues(kafka, topic, acknowledged, MINUTE);
    const lost = [...acknowledged].filter((value) => !seen.has(value));
    expect(lost, `mensajes confirmados perdidos (envíos fallidos: ${failedSends})`).toEqual([]);
  });

  it('los datos sobreviven a un reinicio limpio y a un lanzador anterior que murió sin parar el broker', { timeout: 4 * MINUTE }, async () => {
    const topic = `persistencia-${randomUUID()}`;
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 20 }, (_, i) => `persistente-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();

    // Clean restart: same state dir, prepare() must not format again.
    await supervisor.stop();
    expect(broker.pid).toBeUndefined();
    expect((await checkKafka([broker.brokers], 2_000, { sasl: broker.adminSasl })).ok).toBe(false);
    const again = new KafkaBroker({ port, stateDir });
    expect(await again.prepare()).toEqual({ clusterId, formatted: false });
    await again.start();
    const orphanPid = again.pid as number;
    await again.waitHealthy(MINUTE);

    // A third owner, as after a launcher killed with -9: start() must stop the orphan
    // broker it finds in the pid file before taking the ports.
    broker = new KafkaBroker({ port, stateDir });
    supervisor = new Supervisor(broker, { log: (line) => supervisorLog.push(line) });
    await supervisor.start();
    expect(isAlive(orphanPid)).toBe(false);

    const seen = await consumeValues(testClient(broker.brokers, broker.adminSasl), topic, new Set(values), MINUTE);
    expect([...seen].sort()).toEqual([...values].sort());
    const health = await checkKafka([broker.brokers], 2_000, { sasl: broker.adminSasl });
    expect(health).toMatchObject({ ok: true, brokers: 1, version: '4.4.0' });
  });
});
