import { z } from 'zod';

/**
 * What lab/airflow/worker/cauce_dag_worker.py prints, one JSON object per line. Parsed
 * strictly: a line that does not match (a student writing to the protocol fd, a crash
 * message) is ignored, never trusted.
 */
export const WorkerEvent = z.discriminatedUnion('event', [
  z
    .object({ event: z.literal('ready'), warmMs: z.number(), runs: z.number().int().nonnegative().optional() })
    .describe('Warm (after the warm-up, or clean again after a job); waiting for the next job on stdin. runs: jobs served so far'),
  z.object({ event: z.literal('fatal'), message: z.string(), detail: z.string().optional() }).describe('Warm-up failed (server problem)'),
  z.object({
    event: z.literal('dag'),
    dagId: z.string(),
    tasks: z.array(z.object({ id: z.string(), operator: z.string() })),
    edges: z.array(z.tuple([z.string(), z.string()])),
    totalTasks: z.number().int(),
  }),
  z.object({
    event: z.literal('task'),
    taskId: z.string(),
    state: z.string(),
    mapIndex: z.number().int().nonnegative().optional().describe('Instance of a mapped task (.expand); absent for an unmapped task'),
  }),
  z.object({ event: z.literal('log'), taskId: z.string(), text: z.string() }),
  z.object({ event: z.literal('output'), text: z.string() }).describe('Printed outside any task (parse time, listings)'),
  z.object({ event: z.literal('xcom'), taskId: z.string(), key: z.string(), value: z.string() }),
  z.object({ event: z.literal('file'), path: z.string(), size: z.number().int().nonnegative() }).describe('A regular file the DAG left in CAUCE_RUN_DIR (path relative to it)'),
  z.object({
    event: z.literal('diagnostic'),
    code: z
      .enum(['syntax', 'import-error', 'no-dag', 'too-many-tasks', 'exception', 'missing-in-lab'])
      .describe('missing-in-lab: a task needed what the lab lacks (network, a package, a connection, a template file)'),
    file: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    message: z.string().describe('Spanish'),
    detail: z.string().nullish().describe("Python traceback trimmed to the student's files"),
  }),
  z.object({
    event: z.literal('result'),
    state: z.enum(['success', 'failed']),
    code: z.string().optional(),
    dagState: z.string().optional(),
    dagId: z.string().optional(),
  }),
  z.object({ event: z.literal('done'), jobMs: z.number() }).describe("The job process's last line"),
  z
    .object({
      event: z.literal('jobExit'),
      code: z.number().int().nullable(),
      signal: z.string().nullable(),
      cpuMs: z.number().describe('CPU time of the job process and the children it reaped'),
      stopped: z.boolean().describe('The host asked for it (Detener, wall clock, output cap)'),
    })
    .describe('From the zygote: the job process is gone; the sandbox is cleaned next'),
]);
export type WorkerEvent = z.infer<typeof WorkerEvent>;

/** One job: the student's files, written to the job process's private /tmp/dags. */
export interface WorkerJob {
  files: { name: string; content: string }[];
}

export function parseWorkerLine(line: string): WorkerEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = WorkerEvent.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
