import { z } from 'zod';
import { RECORD_MARKER } from '@/lib/sandbox/record-marker';
import type { RunEvent } from '../schema';

/**
 * What the wrapper in the sandbox (lib/sandbox/pyspark-shim/cauce_spark.py) prints on the
 * marked channel, one JSON object a line. Student code can print such lines too, so every
 * line is parsed with this schema and a bad one is dropped: it only fools their own picture.
 */
const Source = z.object({
  description: z.string().nullable().optional(),
  startOffset: z.string().nullable().optional(),
  endOffset: z.string().nullable().optional(),
  inputRows: z.number().int().nonnegative(),
});

export const SparkLine = z.discriminatedUnion('spark', [
  z.object({ spark: z.literal('query'), queryId: z.string().max(64), runId: z.string().max(64), name: z.string().max(200).nullable() }),
  z.object({
    spark: z.literal('batch'),
    queryId: z.string().max(64),
    runId: z.string().max(64),
    batchId: z.number().int(),
    timestamp: z.string().max(40).nullable().optional(),
    inputRows: z.number().int().nonnegative(),
    inputRowsPerSecond: z.number().nonnegative(),
    processedRowsPerSecond: z.number().nonnegative(),
    durationMs: z.number().int().nonnegative(),
    committed: z.boolean(),
    sink: z.string().max(2000).nullable().optional(),
    sources: z.array(Source).max(16),
  }),
  z.object({
    spark: z.literal('error'),
    exception: z.string().max(200),
    message: z.string().max(4000),
    file: z.string().max(64).nullable(),
    line: z.number().int().nullable(),
    errorClass: z.string().max(200).nullable().optional(),
    sqlState: z.string().max(10).nullable().optional(),
    parameters: z.record(z.string(), z.string()).nullable().optional(),
  }),
  z.object({ spark: z.literal('stopped'), reason: z.enum(['stop', 'deadline', 'end']), queries: z.number().int() }),
]);
export type SparkLine = z.infer<typeof SparkLine>;
export type SparkError = Extract<SparkLine, { spark: 'error' }>;
type BatchLine = Extract<SparkLine, { spark: 'batch' }>;

/** One marked line (marker included, as the output collector passes it) as a wrapper event, or undefined. */
export function parseSparkLine(text: string): SparkLine | undefined {
  const body = text.startsWith(RECORD_MARKER) ? text.slice(RECORD_MARKER.length) : text;
  try {
    const parsed = SparkLine.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A Kafka source's offsets for one partition in one batch: [from, to) as Spark reports them. */
export type OffsetRange = Extract<RunEvent, { type: 'spark-batch' }>['ranges'][number];

/** `{"topic":{"0":20}}` (Kafka source's offset JSON) as topic → partition → offset; anything else is empty. */
export function kafkaOffsets(json: string | null | undefined): Map<string, number> {
  const offsets = new Map<string, number>();
  if (!json) return offsets;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== 'object') return offsets;
    for (const [topic, partitions] of Object.entries(parsed as Record<string, unknown>)) {
      if (!partitions || typeof partitions !== 'object') continue;
      for (const [partition, offset] of Object.entries(partitions as Record<string, unknown>)) {
        if (typeof offset === 'number' && Number.isFinite(offset)) offsets.set(`${topic}\u0000${partition}`, offset);
      }
    }
  } catch {
    // not a Kafka source's offsets (a rate source, a file source): no ranges
  }
  return offsets;
}

/** The batch's per-partition ranges from its Kafka sources (start null: the very first batch, from the earliest offset). */
export function offsetRanges(batch: Pick<BatchLine, 'sources'>): OffsetRange[] {
  const ranges: OffsetRange[] = [];
  for (const source of batch.sources) {
    const start = kafkaOffsets(source.startOffset);
    for (const [lane, to] of kafkaOffsets(source.endOffset)) {
      const [topic, partition] = lane.split('\u0000') as [string, string];
      ranges.push({ topic, partition: Number(partition), from: start.get(lane) ?? null, to });
    }
  }
  return ranges;
}

/**
 * Follows one run's micro-batches: turns each batch line into a `spark-batch` event (its
 * offset ranges, and whether they continue the previous batch's), counts what was written,
 * and remembers the first range of the run, which says whether it resumed from a checkpoint.
 */
export class BatchLedger {
  private readonly ends = new Map<string, number>(); // query/topic/partition -> previous batch's end
  private readonly seen = new Set<string>();
  /** Batches that wrote rows, and the rows they wrote. */
  batches = 0;
  rows = 0;
  /** The first range of each partition this run read, and whether Spark took it from a checkpoint. */
  readonly firstRanges: (OffsetRange & { resumed: boolean })[] = [];
  /** A batch whose start did not meet the previous batch's end (a gap or a repeat). */
  discontinuities = 0;

  /** The event for a batch line, or undefined for one already seen. */
  take(batch: BatchLine): Extract<RunEvent, { type: 'spark-batch' }> | undefined {
    const key = `${batch.runId}/${batch.batchId}/${batch.timestamp ?? ''}`;
    if (this.seen.has(key)) return undefined;
    this.seen.add(key);
    const ranges = offsetRanges(batch);
    let continuous = true;
    for (const range of ranges) {
      const lane = `${batch.queryId}\u0000${range.topic}\u0000${range.partition}`;
      const previous = this.ends.get(lane);
      if (previous === undefined) this.firstRanges.push({ ...range, resumed: range.from !== null });
      else if (range.from !== previous) continuous = false;
      this.ends.set(lane, range.to);
    }
    if (!continuous) this.discontinuities += 1;
    const wrote = batch.committed && batch.inputRows > 0;
    if (wrote) {
      this.batches += 1;
      this.rows += batch.inputRows;
    }
    return {
      type: 'spark-batch',
      queryId: batch.queryId,
      batchId: batch.batchId,
      inputRows: batch.inputRows,
      rowsPerSecond: Math.round(batch.processedRowsPerSecond * 10) / 10,
      durationMs: batch.durationMs,
      sink: batch.sink ?? null,
      wrote,
      continuous,
      ranges,
    };
  }
}
