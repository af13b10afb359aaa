'use server';

import { currentUser } from '@/lib/auth/current';
import { labIdentity } from '@/lib/auth/run-options';
import { CauceError, studentMessage } from '@/lib/errors';
import { deleteMyTopic, resetGroupOffsets } from '@/lib/lab/my-kafka/actions';
import { MY_KAFKA_MESSAGES } from '@/lib/lab/my-kafka/client';
import { readMyKafka } from '@/lib/lab/my-kafka/read';
import { DeleteTopicInput, ResetOffsetsInput, type MyKafkaResult } from '@/lib/lab/my-kafka/schema';

/**
 * Mi Kafka's reads and actions. The student is always the session's (their principal and
 * prefix), never one named in the request; input is parsed before Kafka is touched.
 */
async function asStudent(work: (student: string) => Promise<string | undefined>): Promise<MyKafkaResult> {
  const user = await currentUser();
  if (!user) return { ok: false, message: MY_KAFKA_MESSAGES.joinFirst };
  const student = labIdentity(user);
  try {
    const done = await work(student);
    return { ok: true, view: await readMyKafka(student), ...(done ? { done } : {}) };
  } catch (error) {
    if (!(error instanceof CauceError)) console.error('[mi-kafka]', error);
    return { ok: false, message: studentMessage(error, MY_KAFKA_MESSAGES.failed) };
  }
}

export async function loadMyKafka(): Promise<MyKafkaResult> {
  return asStudent(async () => undefined);
}

export async function resetOffsets(input: unknown): Promise<MyKafkaResult> {
  const parsed = ResetOffsetsInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'La petición para reiniciar los offsets no es válida.' };
  return asStudent((student) => resetGroupOffsets(student, parsed.data));
}

export async function deleteTopic(input: unknown): Promise<MyKafkaResult> {
  const parsed = DeleteTopicInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'El nombre del tema no es válido.' };
  return asStudent((student) => deleteMyTopic(student, parsed.data));
}
