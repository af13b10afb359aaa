import { setTimeout as sleep } from 'node:timers/promises';
import { CauceError } from '@/lib/errors';
import { explain, studentKafka } from '@/lib/lab/my-kafka/client';
import { RETO_MESSAGES, retoLabMessage } from './messages';
import type { ExerciseDefinition, KafkaSetup } from './schema';

/** Kafka deletes a topic in the background: how long an attempt waits for it to be gone. */
const DELETE_WAIT_MS = 8_000;

export class ExerciseSetupError extends CauceError {}

/**
 * Puts the student's namespace as the exercise starts from, before each attempt: its topics and
 * groups deleted, the topics it provides created with their messages. With the student's own
 * principal, so it can touch nothing outside their prefix.
 */
export async function prepareExercise(definition: ExerciseDefinition, student: string): Promise<void> {
  const setup = definition.setup?.kafka;
  if (setup) await prepareKafka(setup, student);
}

async function prepareKafka(setup: KafkaSetup, student: string): Promise<void> {
  const { kafka, prefix } = await studentKafka(student);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const groups = (setup.deleteGroups ?? []).map((g) => prefix + g);
    if (groups.length > 0) {
      const existing = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
      const present = groups.filter((g) => existing.has(g));
      if (present.length > 0) {
        await admin.deleteGroups(present).catch((error: unknown) => {
          // A consumer stopped without leaving stays a member until its session times out.
          const busy = (error as { groups?: { groupId: string; error?: { type?: string } }[] }).groups?.find((g) => g.error?.type === 'NON_EMPTY_GROUP');
          if (busy) throw new ExerciseSetupError(RETO_MESSAGES.groupBusy(busy.groupId.slice(prefix.length)), { cause: error, retriable: true });
          throw error;
        });
      }
    }
    const topics = [...(setup.deleteTopics ?? []), ...(setup.createTopics ?? []).map((t) => t.name)].map((t) => prefix + t);
    const listed = new Set(await admin.listTopics());
    const present = [...new Set(topics)].filter((t) => listed.has(t));
    if (present.length > 0) {
      await admin.deleteTopics({ topics: present, timeout: DELETE_WAIT_MS });
      const deadline = Date.now() + DELETE_WAIT_MS;
      while (present.some((t) => listed.has(t))) {
        if (Date.now() > deadline)
          throw new ExerciseSetupError('Kafka tarda en borrar los temas del intento anterior. Espera unos segundos y vuelve a intentarlo.', { retriable: true });
        await sleep(150);
        const now = new Set(await admin.listTopics());
        for (const t of present) if (!now.has(t)) listed.delete(t);
      }
    }
    const created = setup.createTopics ?? [];
    if (created.length === 0) return;
    await admin.createTopics({ waitForLeaders: true, topics: created.map((t) => ({ topic: prefix + t.name, numPartitions: t.partitions })) });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const topic of created) {
        if (topic.messages?.length) await producer.send({ topic: prefix + topic.name, acks: -1, messages: topic.messages.map((m) => ({ key: m.key, value: m.value })) });
      }
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  } catch (error) {
    if (error instanceof ExerciseSetupError) throw error;
    const why = explain(error, prefix);
    throw new ExerciseSetupError(`No se pudo preparar el reto en tu Kafka. ${retoLabMessage(why)}`, { cause: error, retriable: why.retriable });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
