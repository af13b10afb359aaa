import { z } from 'zod';

/** Kafka's own rule for topic and group names (legal characters, at most 249). */
const KafkaName = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'nombre de Kafka no válido');

/** "Borrar tema": the topic, which must be under the student's prefix (checked by the caller). */
export const DeleteTopicInput = z.strictObject({
  topic: KafkaName.describe('The full topic name, prefix included, e.g. `ana.mensajes`.'),
});
export type DeleteTopicInput = z.infer<typeof DeleteTopicInput>;

/** "Reiniciar offsets" of one group on one topic, as `kafka-consumer-groups.sh --reset-offsets`. */
export const ResetOffsetsInput = z.strictObject({
  groupId: KafkaName.describe('The full group id, prefix included.'),
  topic: KafkaName.describe('The topic whose committed offsets move (every partition of it).'),
  to: z.enum(['earliest', 'latest', 'offset']).describe('`--to-earliest`, `--to-latest` or `--to-offset`.'),
  offset: z.number().int().min(0).optional().describe('With `to: "offset"`: the offset for every partition, clamped to each one\'s range like the tool does.'),
});
export type ResetOffsetsInput = z.infer<typeof ResetOffsetsInput>;

/** One record as the panel shows it: text only, each part cut to a few hundred characters. */
export interface MyMessage {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
}

export interface MyPartition {
  readonly partition: number;
  /** The log start offset (the oldest kept). */
  readonly start: number;
  /** The log end offset (the next to be written). */
  readonly end: number;
  /** The last few records, oldest first. */
  readonly messages: readonly MyMessage[];
}

export interface MyTopic {
  readonly name: string;
  readonly partitions: readonly MyPartition[];
}

/** One row of `kafka-consumer-groups.sh --describe`. */
export interface MyGroupPartition {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset, null when it has none (the tool's `-`). */
  readonly committed: number | null;
  readonly end: number;
  /** end − committed, null without a committed offset. */
  readonly lag: number | null;
  /** The member (its client id) that holds the partition now, if any. */
  readonly consumer: string | null;
}

export interface MyGroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly host: string;
}

export interface MyGroup {
  readonly groupId: string;
  /** Kafka's state: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead. */
  readonly state: string;
  readonly members: readonly MyGroupMember[];
  readonly partitions: readonly MyGroupPartition[];
}

/** Everything "Mi Kafka" shows, read with the student's own credential. */
export interface MyKafkaView {
  /** The student's prefix (empty on a cluster without isolation). */
  readonly prefix: string;
  /** False on an external cluster without SASL: there everything is everyone's. */
  readonly isolated: boolean;
  readonly topics: readonly MyTopic[];
  readonly groups: readonly MyGroup[];
  /** ISO time of the read. */
  readonly readAt: string;
}

/** What a server action answers: the fresh view, or a Spanish message to show. */
export type MyKafkaResult = { ok: true; view: MyKafkaView; done?: string } | { ok: false; message: string };
