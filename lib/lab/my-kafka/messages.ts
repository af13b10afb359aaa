import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { MyMessage } from './schema';

/** How many records per partition the panel shows, and how much of each. */
export const MESSAGES_PER_PARTITION = 3;
const KEY_CHARS = 60;
const VALUE_CHARS = 160;
/** The whole read gives up after this: the panel shows offsets without the last messages rather than wait. */
const READ_TIMEOUT_MS = 4_000;

/** The panel's own short-lived groups: never listed, deleted after each read. */
export const READER_GROUP_MARK = '__mi-kafka-';

// eslint-disable-next-line no-control-regex -- the control characters are the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Text for the page: UTF-8 with control characters shown as "�", cut with "…" (React escapes the rest). */
export function shownText(buffer: Buffer | null, max: number): string | null {
  if (buffer === null) return null;
  const text = buffer
    .subarray(0, max * 4)
    .toString('utf8')
    .replace(CONTROL, '�');
  const chars = [...text];
  return chars.length > max || buffer.length > max * 4 ? `${chars.slice(0, max).join('')}…` : text;
}

interface Wanted {
  topic: string;
  partition: number;
  from: number;
  end: number;
}

/**
 * The last few records of each partition. kafkajs reads only through a group, so this joins a
 * throwaway group under the student's prefix (their ACLs allow it), seeks each partition to its
 * tail, commits nothing, and deletes the group afterwards. Keyed by `topic\0partition`.
 */
export async function lastMessages(
  kafka: Kafka,
  prefix: string,
  partitions: readonly { topic: string; partition: number; start: number; end: number }[],
): Promise<Map<string, MyMessage[]>> {
  const found = new Map<string, MyMessage[]>();
  const wanted: Wanted[] = partitions
    .filter((p) => p.end > p.start)
    .map((p) => ({ topic: p.topic, partition: p.partition, end: p.end, from: Math.max(p.start, p.end - MESSAGES_PER_PARTITION) }));
  if (wanted.length === 0) return found;
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const pending = new Set(wanted.map((w) => key(w.topic, w.partition)));
  const groupId = `${prefix}${READER_GROUP_MARK}${randomUUID().slice(0, 8)}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100, maxBytesPerPartition: 256 * 1024, retry: { retries: 0 } });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(wanted.map((w) => w.topic))], fromBeginning: false });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
      timer = setTimeout(resolve, READ_TIMEOUT_MS);
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const id = key(topic, partition);
        const want = wanted.find((w) => w.topic === topic && w.partition === partition);
        const offset = Number(message.offset);
        if (!want || offset < want.from || offset >= want.end) return;
        const list = found.get(id) ?? [];
        list.push({ offset, key: shownText(message.key, KEY_CHARS), value: shownText(message.value, VALUE_CHARS), timestamp: Number(message.timestamp) });
        found.set(id, list);
        if (offset >= want.end - 1) pending.delete(id);
        if (pending.size === 0) finish();
      },
    });
    // After run(): kafkajs applies a seek once the partition is assigned to this member.
    for (const w of wanted) consumer.seek({ topic: w.topic, partition: w.partition, offset: String(w.from) });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
  return found;
}
