import { z } from 'zod';
import { SnippetKind } from '@/lib/content/schema';

/** Kinds with an executor today; the others show a disabled "Ejecutar" with an explanation. */
export const RUNNABLE_KINDS: readonly SnippetKind[] = ['kafka-ts', 'kafka-py', 'airflow-dag', 'shell', 'pyspark'];

/** The lab services whose state a page shows (the header's badges). */
export type LabService = 'kafka' | 'airflow' | 'hadoop';

/** What a run of each kind talks to, of the services with a badge (Spark and S3 have none yet). */
const KIND_SERVICES: Record<SnippetKind, LabService[]> = { 'kafka-ts': ['kafka'], 'kafka-py': ['kafka'], 'airflow-dag': ['airflow'], pyspark: ['kafka'], shell: ['hadoop'] };

/**
 * The services the runnable examples of these kinds use, each once: a course's badges. `live`
 * adds the services a lesson's live view reads without a run (the Hadoop cluster summary).
 */
export function labServicesFor(kinds: Iterable<SnippetKind>, live: Iterable<LabService> = []): LabService[] {
  const services = new Set<LabService>(live);
  for (const kind of kinds) if (RUNNABLE_KINDS.includes(kind)) KIND_SERVICES[kind].forEach((s) => services.add(s));
  return (['kafka', 'airflow', 'hadoop'] as const).filter((s) => services.has(s));
}

/** Largest total size of the files of one run, checked before anything starts. */
export { MAX_RUN_BYTES } from '@/lib/limits';

/** What the browser sends to start a run. */
export const RunRequest = z.strictObject({
  lesson: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/)
    .describe('"<course>/<lesson>" the example belongs to'),
  snippet: z.string().min(1).max(200).describe('Id of the Runnable ("<course>/<lesson>/<title-slug>")'),
  kind: SnippetKind,
  files: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,64}$/)
          .describe('File name as shown on the editor tab'),
        content: z.string().describe("The student's current code"),
      }),
    )
    .min(1)
    .max(8)
    .describe('Every file of the example; the first one is the entry point'),
});
export type RunRequest = z.infer<typeof RunRequest>;

/** How a run ended; each has one Spanish sentence in lib/runs/messages.ts. */
export const EndReason = z
  .enum([
    'finished',
    'failed',
    'stopped',
    'abandoned',
    'timeout',
    'output-limit',
    'memory-limit',
    'cpu-limit',
    'process-limit',
    'file-limit',
    'lab-unavailable',
    'error',
    'interrupted',
  ])
  .describe('Why the run ended ("interrupted": the site\'s server ended under it; only a reconnecting page hears it, from the records)');
export type EndReason = z.infer<typeof EndReason>;

/** Airflow task instance states the DAG graph colours. */
export const TaskState = z.enum(['scheduled', 'queued', 'running', 'success', 'failed', 'skipped', 'upstream_failed', 'up_for_retry']);
export type TaskState = z.infer<typeof TaskState>;

/** A Kafka record the student's program produced or consumed, reported by the kafkajs shim. */
export const KafkaRecord = z.strictObject({
  direction: z.enum(['produced', 'consumed']).describe('Sent by a producer or received by a consumer'),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string().describe('Offsets are int64: kept as strings'),
  key: z.string().nullable(),
  value: z.string().nullable(),
  consumer: z.string().optional().describe('Which consumer (client id / member) received it, for group demos'),
});
export type KafkaRecord = z.infer<typeof KafkaRecord>;

/** One prerequisite the server measured in the run's sandbox (the shell kind's probe, lib/runs/shell/). */
export const PrerequisiteCheck = z.strictObject({
  id: z.string().describe('Stable id, e.g. "open-files"'),
  label: z.string().describe("The prerequisite in Spanish, with the article's point number"),
  state: z.enum(['met', 'unmet', 'unknown']).describe('unknown: the sandbox cannot tell (e.g. no time service inside)'),
  value: z.string().describe('What was measured, in Spanish, with the real values'),
  advice: z.string().describe("What to change on a real node (the article's advice), in Spanish"),
});
export type PrerequisiteCheck = z.infer<typeof PrerequisiteCheck>;

/** One message of the run's event stream (SSE), shared by the server and the output panel. */
export const RunEvent = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('status'),
    state: z.enum(['queued', 'starting', 'running']),
    position: z.number().int().optional().describe('Place in the queue while queued (1 = next)'),
    waitMs: z.number().int().optional().describe('Estimated wait before it starts, while queued'),
    message: z.string().describe('Spanish text for the status line'),
  }),
  z.strictObject({ type: z.literal('stdout'), text: z.string() }),
  z.strictObject({ type: z.literal('stderr'), text: z.string() }),
  z.strictObject({ type: z.literal('record'), record: KafkaRecord }),
  z.strictObject({
    type: z.literal('records-summary'),
    kept: z.number().int().describe('Records sent as record events: the first MAX_RECORDS_PER_RUN (lib/limits.ts)'),
    total: z.number().int().describe('Records past that budget so far: counted, not sent'),
    beyond: z
      .array(
        z.strictObject({
          direction: KafkaRecord.shape.direction,
          topic: z.string(),
          partition: z.number().int(),
          count: z.number().int().describe('Records of this lane past the budget'),
          lastOffset: z.string().describe('Offset of the last of them'),
        }),
      )
      .describe('The counted records per direction, topic and partition; each summary replaces the previous one'),
  }),
  z.strictObject({
    type: z.literal('diagnostic'),
    file: z.string(),
    line: z.number().int().describe("1-based line in the student's file"),
    column: z.number().int(),
    message: z.string().describe('Spanish explanation'),
  }),
  z.strictObject({ type: z.literal('notice'), message: z.string() }),
  z.strictObject({
    type: z.literal('dag'),
    dagId: z.string(),
    tasks: z.array(z.strictObject({ id: z.string(), operator: z.string() })).describe('Every task of the parsed DAG'),
    edges: z.array(z.tuple([z.string(), z.string()])).describe('[upstream, downstream] task id pairs'),
  }),
  z.strictObject({
    type: z.literal('task'),
    taskId: z.string(),
    state: TaskState,
    at: z.number().describe('Milliseconds since the run started'),
  }),
  z.strictObject({ type: z.literal('log'), taskId: z.string(), text: z.string().describe('One line of the task log') }),
  z.strictObject({ type: z.literal('xcom'), taskId: z.string(), key: z.string(), value: z.string().describe('repr/JSON of the value, capped') }),
  z.strictObject({
    type: z.literal('file'),
    path: z.string().describe("Relative to the run's folder (CAUCE_RUN_DIR), e.g. backups/dags.tar.gz"),
    size: z.number().int().describe('Bytes'),
  }),
  z.strictObject({
    type: z.literal('prerequisites'),
    title: z.string().describe('Spanish heading of the table'),
    note: z.string().describe("Spanish sentence saying where the values come from: the lab's sandbox, measured by the server after the script"),
    checks: z.array(PrerequisiteCheck),
  }),
  z.strictObject({
    type: z.literal('hadoop-job'),
    program: z.string().describe('The example program, e.g. wordcount'),
    jobId: z.string().optional().describe("YARN's job id once it has one"),
    map: z.number().int().min(0).max(100).describe('Map progress, %, as the job client reports it to the lab'),
    reduce: z.number().int().min(0).max(100).describe('Reduce progress, %'),
    state: z.enum(['running', 'succeeded', 'failed']),
  }),
  z.strictObject({
    type: z.literal('spark-batch'),
    queryId: z.string().describe('The streaming query (its id survives restarts from the same checkpoint)'),
    batchId: z.number().int().describe("Spark's micro-batch id: it continues from the checkpoint"),
    inputRows: z.number().int().describe('Rows the batch read from its sources'),
    rowsPerSecond: z.number().describe('Rows processed per second in this batch'),
    durationMs: z.number().int().describe("The trigger's whole execution, ms"),
    sink: z.string().nullable().describe("Spark's description of the sink, e.g. FileSink[s3a://test-bucket/alumnos/ana/mensajes]"),
    wrote: z.boolean().describe('A committed batch that wrote rows (idle triggers report progress too)'),
    continuous: z.boolean().describe("Each partition's range starts where this run's previous batch ended: nothing skipped or read twice"),
    ranges: z
      .array(
        z.strictObject({
          topic: z.string(),
          partition: z.number().int(),
          from: z.number().nullable().describe('First offset read; null: the earliest (no checkpoint yet)'),
          to: z.number().describe('Offset after the last one read'),
        }),
      )
      .describe("Kafka offsets per partition, from the progress JSON's startOffset/endOffset"),
  }),
  z.strictObject({
    type: z.literal('s3-objects'),
    bucket: z.string(),
    prefix: z.string().describe("The student's prefix, e.g. alumnos/ana/"),
    objects: z.array(z.strictObject({ key: z.string(), size: z.number().int() })).describe('Objects now under the prefix (the first 200), by key'),
    added: z.array(z.string()).describe('Keys that were not there at the previous listing of this run'),
  }),
  z.strictObject({
    type: z.literal('spark-summary'),
    batches: z.number().int().describe('Micro-batches of this run that wrote rows'),
    rows: z.number().int().describe('Rows they wrote'),
    resumed: z
      .array(z.strictObject({ topic: z.string(), partition: z.number().int(), from: z.number() }))
      .describe('Partitions this run continued from a checkpoint, and the offset it started at'),
  }),
  z.strictObject({
    type: z.literal('exit'),
    reason: EndReason,
    exitCode: z.number().int().nullable(),
    durationMs: z.number(),
    message: z.string().describe('Spanish sentence saying how the run ended'),
  }),
]);
export type RunEvent = z.infer<typeof RunEvent>;

/** What startRun answers: a run id to stream, or a Spanish reason it could not start. */
export type StartRunResult = { ok: true; runId: string } | { ok: false; message: string; diagnostics?: Extract<RunEvent, { type: 'diagnostic' }>[] };
