import { runCapacity } from '@/lib/env';
import { perProcess } from '@/lib/per-process';
import { DEFAULT_PYSPARK_LIMITS, PYSPARK_CLIENT, treeBudget, type SandboxLimits } from '@/lib/limits';
import { SandboxHost } from './host';
import { validatePythonFiles, type SnippetFile } from './input';
import { pysparkSandboxSpec, resolvePysparkRuntime, type PysparkRuntime } from './kinds/pyspark';
import type { SandboxOutput } from './output';
import { SandboxRun, type SandboxProgram, type SandboxResult } from './run';
import { SANDBOX_UIDS } from './uids';

/** uid of the first pyspark slot (lib/sandbox/uids.ts keeps every range apart). */
export const FIRST_PYSPARK_UID = SANDBOX_UIDS.pyspark;

export interface PysparkRequest {
  /** The student's Python files; `entry` is the one run as `__main__`. */
  files: SnippetFile[];
  /** The file run, as named on its tab, e.g. `kafka_a_s3.py`. */
  entry: string;
  /** SPARK_REMOTE and the Kafka and S3 settings the job passes to the Spark server. */
  env: Record<string, string>;
  /** `host:port` of the Spark Connect endpoint, relayed into the run's network namespace; nothing else is reachable. */
  endpoints: readonly string[];
  /** Overrides of {@link DEFAULT_PYSPARK_LIMITS}; the wall clock comes from the example's `runs`. @default {} */
  limits?: Partial<SandboxLimits>;
  /** Aborting stops the run (reason `stopped`); the wrapper stops the queries and the session first. */
  signal?: AbortSignal;
}

let runtime: Promise<PysparkRuntime> | undefined;

/** Resolved once per server process; a failure is retried. */
function pysparkRuntime(systemArgs: readonly string[]): Promise<PysparkRuntime> {
  runtime ??= resolvePysparkRuntime(systemArgs).catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** Python's own words when the interpreter cannot allocate: the run's memory budget. */
const MEMORY_ERROR = /^MemoryError\b/;

/** The pyspark kind's program for {@link SandboxRun}: a Spark Connect client behind the watching wrapper. */
export function pysparkProgram(req: PysparkRequest): SandboxProgram {
  validatePythonFiles(req.files, req.entry);
  return {
    defaults: DEFAULT_PYSPARK_LIMITS,
    budget: treeBudget,
    files: req.files,
    async spec(slot) {
      return pysparkSandboxSpec({ ...slot, runtime: await pysparkRuntime(slot.runtime.systemArgs), env: req.env, entry: req.entry });
    },
    // A traceback's `File "/sandbox/job.py"` reads `File "job.py"`, as on the tab.
    rewrite: (line) => line.replaceAll('"/sandbox/', '"'),
    limitIn: (line) => (MEMORY_ERROR.test(line) ? 'memory-limit' : undefined),
    stopGracefully: true,
    stopGraceMs: PYSPARK_CLIENT.stopGraceMs,
  };
}

/**
 * Runs a pyspark program in the sandbox, streaming its output (the wrapper's progress lines on
 * the record channel). Throws before running anything: {@link SnippetInputError},
 * {@link SandboxBusyError}. Every end after start is a result.
 */
export function runPyspark(req: PysparkRequest, onOutput: (output: SandboxOutput) => void, host: SandboxHost = pysparkSandboxHost()): Promise<SandboxResult> {
  const program = pysparkProgram(req);
  return new SandboxRun({ files: [], entry: req.entry, endpoints: req.endpoints, limits: req.limits, signal: req.signal, onOutput, host, program }).run();
}

/** pyspark's own uid slots: one per run its queue lane lets through. One per process. */
export function pysparkSandboxHost(): SandboxHost {
  return perProcess('sandbox-host:pyspark', () => new SandboxHost({ concurrency: runCapacity().pyspark, firstUid: FIRST_PYSPARK_UID }));
}
