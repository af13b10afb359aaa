import { assertOwn, explain, MY_KAFKA_MESSAGES, MyKafkaError, studentKafka } from './client';
import type { DeleteTopicInput, ResetOffsetsInput } from './schema';

/** Kafka's words (via kafkajs) for moving the offsets of a group that still has members. */
const GROUP_NOT_EMPTY = /must have no running instances|UNKNOWN_MEMBER_ID|REBALANCE_IN_PROGRESS|ILLEGAL_GENERATION|NON_EMPTY_GROUP/;

/**
 * `kafka-consumer-groups.sh --reset-offsets --to-earliest|--to-latest|--to-offset N` for one
 * group and topic, with the student's principal. Refused while the group has members, as Kafka does.
 */
export async function resetGroupOffsets(student: string, input: ResetOffsetsInput): Promise<string> {
  const { kafka, prefix } = await studentKafka(student);
  assertOwn(input.groupId, prefix);
  assertOwn(input.topic, prefix);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const [group] = (await admin.describeGroups([input.groupId])).groups;
    if (group && group.members.length > 0) throw new MyKafkaError(MY_KAFKA_MESSAGES.groupActive(input.groupId));
    const offsets = await admin.fetchTopicOffsets(input.topic);
    const target = (p: { low: string; high: string }) => {
      if (input.to === 'earliest') return Number(p.low);
      if (input.to === 'latest') return Number(p.high);
      // Like the tool: an offset outside a partition's range goes to its nearest end.
      return Math.min(Number(p.high), Math.max(Number(p.low), input.offset ?? 0));
    };
    await admin.setOffsets({ groupId: input.groupId, topic: input.topic, partitions: offsets.map((p) => ({ partition: p.partition, offset: String(target(p)) })) });
    const where = input.to === 'earliest' ? 'al principio' : input.to === 'latest' ? 'al final' : `al offset ${input.offset ?? 0}`;
    return `Los offsets del grupo «${input.groupId}» en «${input.topic}» están ahora ${where}.`;
  } catch (error) {
    if (!(error instanceof MyKafkaError) && error instanceof Error && GROUP_NOT_EMPTY.test(`${error.message} ${(error as { type?: string }).type ?? ''}`)) {
      throw new MyKafkaError(MY_KAFKA_MESSAGES.groupActive(input.groupId), { cause: error });
    }
    throw explain(error, prefix);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes one of the student's topics (and so its messages); their groups keep nothing of it. */
export async function deleteMyTopic(student: string, input: DeleteTopicInput): Promise<string> {
  const { kafka, prefix } = await studentKafka(student);
  assertOwn(input.topic, prefix);
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [input.topic], timeout: 5_000 });
    return `Borraste el tema «${input.topic}».`;
  } catch (error) {
    if (error instanceof Error && /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic/.test(JSON.stringify(error) + error.message)) {
      throw new MyKafkaError(MY_KAFKA_MESSAGES.unknownTopic(input.topic), { cause: error });
    }
    throw explain(error, prefix);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
