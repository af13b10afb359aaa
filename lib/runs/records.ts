import { MAX_RECORDS_PER_RUN } from '@/lib/limits';
import { RECORD_MARKER } from '@/lib/sandbox/record-marker';
import { KafkaRecord, type RunEvent } from './schema';

/**
 * A record line of the kafkajs shim (lib/sandbox/record-marker.ts) becomes a record event; a
 * marker line that is not a record is dropped, never shown (a student printing a fake one only
 * fools their own picture).
 */
export { RECORD_MARKER };

/** True for a line the shim marked (a record or a broken one): never the student's text. */
export function isRecordLine(line: string): boolean {
  return line.startsWith(RECORD_MARKER);
}

export function parseRecordLine(line: string): KafkaRecord | undefined {
  if (!line.startsWith(RECORD_MARKER)) return undefined;
  try {
    const parsed = KafkaRecord.safeParse(JSON.parse(line.slice(RECORD_MARKER.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

type RecordsSummary = Extract<RunEvent, { type: 'records-summary' }>;
type Lane = RecordsSummary['beyond'][number];

/** Lanes (direction, topic, partition) counted one by one past the budget; more are only in the total. */
const MAX_COUNTED_LANES = 256;

/**
 * One run's record budget ({@link MAX_RECORDS_PER_RUN}): the first records become record
 * events; past it each is counted on its lane, and {@link summary} says how many, for the
 * picture's "y 20.000 mensajes más…".
 */
export class RecordBudget {
  private kept = 0;
  private total = 0;
  private readonly lanes = new Map<string, Lane>();
  private changed = false;

  constructor(private readonly max: number = MAX_RECORDS_PER_RUN) {}

  /** True when the record is to be sent; false once the budget is spent (it is counted instead). */
  take(record: KafkaRecord): boolean {
    if (this.kept < this.max) {
      this.kept += 1;
      return true;
    }
    this.total += 1;
    this.changed = true;
    const id = `${record.direction}\u0000${record.topic}\u0000${record.partition}`;
    const lane = this.lanes.get(id);
    if (lane) {
      lane.count += 1;
      lane.lastOffset = record.offset;
    } else if (this.lanes.size < MAX_COUNTED_LANES) {
      this.lanes.set(id, { direction: record.direction, topic: record.topic, partition: record.partition, count: 1, lastOffset: record.offset });
    }
    return false;
  }

  /** The counts so far, when any changed since the last summary; otherwise undefined. */
  summary(): RecordsSummary | undefined {
    if (!this.changed) return undefined;
    this.changed = false;
    return { type: 'records-summary', kept: this.kept, total: this.total, beyond: [...this.lanes.values()].map((lane) => ({ ...lane })) };
  }
}
