import type { RunEvent } from '@/lib/runs/schema';

export type SparkBatch = Omit<Extract<RunEvent, { type: 'spark-batch' }>, 'type'>;
export type S3ObjectsView = Omit<Extract<RunEvent, { type: 's3-objects' }>, 'type'>;
export type SparkSummary = Omit<Extract<RunEvent, { type: 'spark-summary' }>, 'type'>;

/** What a pyspark run's pictures show: its micro-batches (the latest ones), its S3 objects and its end. */
export interface SparkView {
  batches: SparkBatch[];
  objects?: S3ObjectsView;
  /** Every key the run's listings reported as new, so a later listing does not hide them. */
  added: string[];
  summary?: SparkSummary;
}

/** Batches the chart keeps: a 5 s trigger for the 5 minutes a stream may run. */
export const MAX_BATCHES = 60;

/** A pyspark event applied to the view (pure: the run hook calls it per event). */
export function applySparkEvent(view: SparkView | undefined, event: Extract<RunEvent, { type: 'spark-batch' | 's3-objects' | 'spark-summary' }>): SparkView {
  const current = view ?? { batches: [], added: [] };
  const { type, ...rest } = event;
  switch (type) {
    case 'spark-batch':
      return { ...current, batches: [...current.batches, rest as SparkBatch].slice(-MAX_BATCHES) };
    case 's3-objects': {
      const objects = rest as S3ObjectsView;
      return { ...current, objects, added: [...new Set([...current.added, ...objects.added])] };
    }
    case 'spark-summary':
      return { ...current, summary: rest as SparkSummary };
  }
}
