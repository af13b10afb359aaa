import { readMyKafka } from '@/lib/lab/my-kafka/read';
import type { KafkaState } from './schema';

/** The student's Kafka as the checks read it: their own principal, names without their prefix. */
export async function readKafkaState(student: string): Promise<KafkaState> {
  const view = await readMyKafka(student, { messages: false });
  const own = (name: string) => name.slice(view.prefix.length);
  return {
    prefix: view.prefix,
    topics: view.topics.map((t) => ({ name: own(t.name), partitions: t.partitions.map(({ partition, start, end }) => ({ partition, start, end })) })),
    groups: view.groups.map((g) => ({
      groupId: own(g.groupId),
      state: g.state,
      members: g.members.length,
      partitions: g.partitions.map((p) => ({ topic: own(p.topic), partition: p.partition, committed: p.committed, end: p.end, lag: p.lag })),
    })),
  };
}
