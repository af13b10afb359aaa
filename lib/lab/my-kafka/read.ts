import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
import { perProcess } from '@/lib/per-process';
import { lastMessages, READER_GROUP_MARK } from './messages';
import { explain, studentKafka } from './client';
import type { MyGroup, MyGroupPartition, MyKafkaView, MyMessage, MyTopic } from './schema';

/** Offsets of one partition, before its messages are attached. */
interface Offsets {
  topic: string;
  partition: number;
  start: number;
  end: number;
}

/**
 * The last messages only change when an end offset does: a refresh every few seconds rereads
 * them only then (a read joins a group, the costly part). Per student, on globalThis like the
 * tenant admin, so dev reloads keep it.
 */
const messageCache = perProcess('my-kafka:messages', () => new Map<string, { signature: string; messages: Map<string, MyMessage[]> }>());

/** The student's topics (never internal ones) with each partition's start and end offsets. */
async function topicOffsets(admin: Admin, prefix: string): Promise<Offsets[]> {
  const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.startsWith('__')).sort();
  const all = await Promise.all(
    names.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, start: Number(p.low), end: Number(p.high) }))),
  );
  return all.flat().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** Who holds which partition now, from each member's assignment. */
function holders(members: { clientId: string; memberAssignment: Buffer }[]): Map<string, string> {
  const byPartition = new Map<string, string>();
  for (const member of members) {
    const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
    for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
      for (const partition of partitions) byPartition.set(`${topic}\u0000${partition}`, member.clientId);
    }
  }
  return byPartition;
}

/** Each group as `kafka-consumer-groups.sh --describe` shows it: members, committed offset and lag per partition. */
async function describeGroups(admin: Admin, prefix: string, offsets: Offsets[]): Promise<MyGroup[]> {
  const ids = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(prefix) && !id.includes(READER_GROUP_MARK))
    .sort();
  if (ids.length === 0) return [];
  const { groups } = await admin.describeGroups(ids);
  const topics = [...new Set(offsets.map((o) => o.topic))];
  return Promise.all(
    groups.map(async (group): Promise<MyGroup> => {
      const held = holders(group.members);
      const committed = topics.length > 0 ? await admin.fetchOffsets({ groupId: group.groupId, topics }) : [];
      const partitions: MyGroupPartition[] = [];
      for (const { topic, partitions: list } of committed) {
        for (const p of list) {
          const end = offsets.find((o) => o.topic === topic && o.partition === p.partition)?.end ?? 0;
          const offset = Number(p.offset);
          const consumer = held.get(`${topic}\u0000${p.partition}`) ?? null;
          if (offset < 0 && !consumer) continue; // neither committed nor read: not this group's topic
          partitions.push({ topic, partition: p.partition, committed: offset < 0 ? null : offset, end, lag: offset < 0 ? null : Math.max(0, end - offset), consumer });
        }
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return {
        groupId: group.groupId,
        state: group.state,
        members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, host: m.clientHost })),
        partitions,
      };
    }),
  );
}

async function messagesFor(kafka: Kafka, student: string, prefix: string, offsets: Offsets[]): Promise<Map<string, MyMessage[]>> {
  const signature = offsets.map((o) => `${o.topic}/${o.partition}:${o.start}-${o.end}`).join(',');
  const cached = messageCache.get(student);
  if (cached?.signature === signature) return cached.messages;
  const messages = await lastMessages(kafka, prefix, offsets).catch(() => new Map<string, MyMessage[]>());
  messageCache.set(student, { signature, messages });
  return messages;
}

/**
 * Everything Mi Kafka shows for `student`, read with their own principal; the client is closed
 * before returning. `messages: false` skips the last messages (a group join, about a second):
 * the exercises' checks need only offsets and groups.
 */
export async function readMyKafka(student: string, options: { messages?: boolean } = {}): Promise<MyKafkaView> {
  const { kafka, prefix, isolated } = await studentKafka(student);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const offsets = await topicOffsets(admin, prefix);
    const groups = await describeGroups(admin, prefix, offsets);
    const messages = options.messages === false ? new Map<string, MyMessage[]>() : await messagesFor(kafka, student, prefix, offsets);
    const topics: MyTopic[] = [];
    for (const o of offsets) {
      let topic = topics.at(-1);
      if (topic?.name !== o.topic) topics.push((topic = { name: o.topic, partitions: [] }));
      (topic.partitions as MyTopic['partitions'][number][]).push({
        partition: o.partition,
        start: o.start,
        end: o.end,
        messages: messages.get(`${o.topic}\u0000${o.partition}`) ?? [],
      });
    }
    return { prefix, isolated, topics, groups, readAt: new Date().toISOString() };
  } catch (error) {
    throw explain(error, prefix);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
