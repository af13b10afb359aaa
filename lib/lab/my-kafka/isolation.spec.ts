/**
 * Mi Kafka on a real lab broker with two students: each one's panel lists and touches only
 * their own topics and groups (the name check first, the broker's prefixed ACLs behind it), a
 * reset moves the committed offsets and the lag with them, and a group with a member is refused.
 */
import { rmSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { freePortPair, tempStateDir, testClient } from '@/lab/kafka/test-helpers';
import { releaseSiteLab, stubSiteLabEnv } from '@/lib/runs/kafka-test-helpers';

const MINUTE = 60_000;

/** A student's own kafkajs client, as their runs get it. */
async function clientOf(student: string): Promise<{ kafka: Kafka; prefix: string }> {
  const { kafkaTenants } = await import('@/lib/lab/kafka-tenants');
  const access = await kafkaTenants()!.ensureStudent(student);
  return { kafka: testClient(broker.brokers, access.sasl), prefix: access.prefix };
}

/** Creates `<prefix>mensajes` with `count` messages, then reads them all in group `<prefix>lectores` and leaves it. */
async function produceAndConsume(student: string, count: number): Promise<void> {
  const { kafka, prefix } = await clientOf(student);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: `${prefix}mensajes`, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ key: `sensor-${i % 2}`, value: i === 0 ? 'x'.repeat(5_000) : `Hola ${student} ${i}` }));
  await producer.send({ topic: `${prefix}mensajes`, acks: -1, messages });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${prefix}lectores` });
  await consumer.connect();
  await consumer.subscribe({ topics: [`${prefix}mensajes`], fromBeginning: true });
  let read = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async () => {
        if (++read === count) resolve();
      },
    });
  });
  await consumer.disconnect(); // commits and leaves the group
}

let broker: KafkaBroker;
let stateDir: string;

describe('Mi Kafka: cada alumno ve y toca solo lo suyo', () => {
  beforeAll(async () => {
    stateDir = tempStateDir('my-kafka');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir });
    await broker.prepare();
    await broker.start();
    await broker.waitHealthy(2 * MINUTE);
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'embedded' });
    await produceAndConsume('Ana', 6);
    await produceAndConsume('Bea', 4);
  }, 5 * MINUTE);

  afterAll(async () => {
    await releaseSiteLab();
    await broker?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  it('Ana ve sus temas, offsets, últimos mensajes y su grupo con retraso 0; nada de Bea', async () => {
    const { readMyKafka } = await import('./read');
    const view = await readMyKafka('Ana');
    expect(view).toMatchObject({ prefix: 'ana.', isolated: true });
    expect(view.topics.map((t) => t.name)).toEqual(['ana.mensajes']);
    const partitions = view.topics[0]!.partitions;
    expect(partitions.map((p) => p.partition)).toEqual([0, 1]);
    expect(partitions.reduce((sum, p) => sum + p.end - p.start, 0)).toBe(6);
    const shown = partitions.flatMap((p) => p.messages);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((m) => (m.value ?? '').length <= 161)).toBe(true); // 5 000 characters cut
    expect(shown.some((m) => m.value?.startsWith('Hola Ana'))).toBe(true);
    expect(view.groups.map((g) => g.groupId)).toEqual(['ana.lectores']); // not the panel's own reader groups
    expect(view.groups[0]!.state).toBe('Empty');
    expect(view.groups[0]!.partitions.map((p) => p.lag)).toEqual([0, 0]);
    expect(JSON.stringify(view)).not.toContain('bea');
    // The panel's throwaway reader group is gone once the read returns.
    const admin = testClient(broker.brokers, broker.adminSasl).admin();
    await admin.connect();
    const groups = (await admin.listGroups().finally(() => admin.disconnect())).groups.map((g) => g.groupId);
    expect(groups.filter((id) => id.includes('__mi-kafka-'))).toEqual([]);
  });

  it('Ana no puede borrar el tema de Bea ni mover los offsets de su grupo, ni por nombre ni saltándose la comprobación', async () => {
    const { deleteMyTopic, resetGroupOffsets } = await import('./actions');
    await expect(deleteMyTopic('Ana', { topic: 'bea.mensajes' })).rejects.toThrow('Ese nombre no es de tu espacio: tus temas y grupos empiezan por «ana.».');
    await expect(resetGroupOffsets('Ana', { groupId: 'bea.lectores', topic: 'bea.mensajes', to: 'earliest' })).rejects.toThrow(/no es de tu espacio/);
    await expect(resetGroupOffsets('Ana', { groupId: 'ana.lectores', topic: 'bea.mensajes', to: 'earliest' })).rejects.toThrow(/no es de tu espacio/);
    // Behind the name check, the broker: Ana's own principal is refused on Bea's names.
    const { kafka } = await clientOf('Ana');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.deleteTopics({ topics: ['bea.mensajes'], timeout: 3_000 })).rejects.toThrow(/authoriz/i);
      await expect(admin.setOffsets({ groupId: 'bea.lectores', topic: 'bea.mensajes', partitions: [{ partition: 0, offset: '0' }] })).rejects.toThrow(/authoriz|Not authorized/i);
    } finally {
      await admin.disconnect();
    }
    const { readMyKafka } = await import('./read');
    const bea = await readMyKafka('Bea');
    expect(bea.topics.map((t) => t.name)).toEqual(['bea.mensajes']);
    expect(bea.groups[0]!.partitions.map((p) => p.lag)).toEqual([0, 0]);
    expect(JSON.stringify(bea)).not.toContain('ana.');
  });

  it('reiniciar al principio devuelve el retraso al número de mensajes; al final, a 0; a un offset, lo que falta desde él', async () => {
    const { resetGroupOffsets } = await import('./actions');
    const { readMyKafka } = await import('./read');
    const lag = async () => (await readMyKafka('Ana')).groups[0]!.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
    await expect(resetGroupOffsets('Ana', { groupId: 'ana.lectores', topic: 'ana.mensajes', to: 'earliest' })).resolves.toContain('al principio');
    expect(await lag()).toBe(6);
    await resetGroupOffsets('Ana', { groupId: 'ana.lectores', topic: 'ana.mensajes', to: 'latest' });
    expect(await lag()).toBe(0);
    const ends = (await readMyKafka('Ana')).topics[0]!.partitions.map((p) => p.end);
    await resetGroupOffsets('Ana', { groupId: 'ana.lectores', topic: 'ana.mensajes', to: 'offset', offset: 1 });
    expect(await lag()).toBe(ends.reduce((sum, end) => sum + Math.max(0, end - Math.min(1, end)), 0));
    // Bea's group did not move.
    expect((await readMyKafka('Bea')).groups[0]!.partitions.map((p) => p.lag)).toEqual([0, 0]);
  });

  it('con un consumidor activo en el grupo, el reinicio se rechaza con un mensaje en español', { timeout: MINUTE }, async () => {
    const { kafka, prefix } = await clientOf('Ana');
    const consumer = kafka.consumer({ groupId: `${prefix}lectores` });
    await consumer.connect();
    await consumer.subscribe({ topics: [`${prefix}mensajes`] });
    let joined!: () => void;
    const stable = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachMessage: async () => undefined });
    await stable;
    try {
      const { resetGroupOffsets } = await import('./actions');
      await expect(resetGroupOffsets('Ana', { groupId: 'ana.lectores', topic: 'ana.mensajes', to: 'earliest' })).rejects.toThrow(
        'El grupo «ana.lectores» tiene consumidores activos, y Kafka solo mueve los offsets de un grupo vacío.',
      );
      const { readMyKafka } = await import('./read');
      const group = (await readMyKafka('Ana')).groups[0]!;
      expect(group.members).toHaveLength(1);
      expect(group.partitions.every((p) => p.consumer === 'cauce-lab-spec')).toBe(true);
    } finally {
      await consumer.disconnect();
    }
  });

  it('Ana borra su tema y desaparece de su panel; el de Bea sigue', async () => {
    const { deleteMyTopic } = await import('./actions');
    const { readMyKafka } = await import('./read');
    await expect(deleteMyTopic('Ana', { topic: 'ana.mensajes' })).resolves.toBe('Borraste el tema «ana.mensajes».');
    await expect.poll(async () => (await readMyKafka('Ana')).topics.map((t) => t.name), { timeout: 10_000 }).toEqual([]);
    expect((await readMyKafka('Bea')).topics.map((t) => t.name)).toEqual(['bea.mensajes']);
  });

  it('con el broker parado, el panel dice en español que Kafka no responde, en pocos segundos', { timeout: MINUTE }, async () => {
    await broker.stop();
    const { readMyKafka } = await import('./read');
    const started = Date.now();
    await expect(readMyKafka('Bea')).rejects.toThrow(/^El laboratorio de Kafka no responde/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
