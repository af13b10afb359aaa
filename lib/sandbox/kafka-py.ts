import { runCapacity } from '@/lib/env';
import { perProcess } from '@/lib/per-process';
import { DEFAULT_KAFKA_PY_LIMITS, treeBudget, type SandboxLimits } from '@/lib/limits';
import { SandboxHost } from './host';
import { validatePythonFiles, type SnippetFile } from './input';
import { kafkaPySandboxSpec, resolveKafkaPyRuntime, type KafkaPyRuntime } from './kinds/kafka-py';
import type { SandboxOutput } from './output';
import { SandboxRun, type SandboxProgram, type SandboxResult } from './run';
import { SANDBOX_UIDS } from './uids';

/** uid of the first kafka-py slot (lib/sandbox/uids.ts keeps every range apart). */
export const FIRST_KAFKA_PY_UID = SANDBOX_UIDS.kafkaPy;

export interface KafkaPyRequest {
  /** The student's Python files; `entry` is the one run as `__main__`. */
  files: SnippetFile[];
  /** The file run, as named on its tab, e.g. `producer.py`. */
  entry: string;
  /** The run's Kafka view: KAFKA_BROKERS and, in course mode, the student's credential and prefix. */
  env: Record<string, string>;
  /** `host:port` of the brokers, relayed into the run's network namespace; nothing else is reachable. */
  endpoints: readonly string[];
  /** Overrides of {@link DEFAULT_KAFKA_PY_LIMITS}; the wall clock comes from the example's `runs`. @default {} */
  limits?: Partial<SandboxLimits>;
  /** Aborting stops the run (reason `stopped`); the shim closes the program's consumers first. */
  signal?: AbortSignal;
}

let runtime: Promise<KafkaPyRuntime> | undefined;

/** Resolved once per server process (the venv's interpreter and standard library); a failure is retried. */
function kafkaPyRuntime(systemArgs: readonly string[]): Promise<KafkaPyRuntime> {
  runtime ??= resolveKafkaPyRuntime(systemArgs).catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** Python's own words when the interpreter cannot allocate: the run's memory budget. */
const MEMORY_ERROR = /^MemoryError\b/;

/** The kafka-py kind's program for {@link SandboxRun}: Python with kafka-python behind the watching shim. */
export function kafkaPyProgram(req: KafkaPyRequest): SandboxProgram {
  validatePythonFiles(req.files, req.entry);
  return {
    defaults: DEFAULT_KAFKA_PY_LIMITS,
    budget: treeBudget,
    files: req.files,
    async spec(slot) {
      return kafkaPySandboxSpec({ ...slot, runtime: await kafkaPyRuntime(slot.runtime.systemArgs), env: req.env, entry: req.entry });
    },
    // A traceback's `File "/sandbox/producer.py"` reads `File "producer.py"`, as on the tab.
    rewrite: (line) => line.replaceAll('"/sandbox/', '"'),
    limitIn: (line) => (MEMORY_ERROR.test(line) ? 'memory-limit' : undefined),
    stopGracefully: true,
  };
}

/**
 * Runs a kafka-py program in the sandbox, streaming its output (the shim's record lines on
 * their own channel). Throws before running anything: {@link SnippetInputError},
 * {@link SandboxBusyError}. Every end after start is a result.
 */
export function runKafkaPython(req: KafkaPyRequest, onOutput: (output: SandboxOutput) => void, host: SandboxHost = kafkaPySandboxHost()): Promise<SandboxResult> {
  const program = kafkaPyProgram(req);
  return new SandboxRun({ files: [], entry: req.entry, endpoints: req.endpoints, limits: req.limits, signal: req.signal, onOutput, host, program }).run();
}

/** kafka-py's own uid slots: one per run the queue's Kafka lane (shared with kafka-ts) lets through. One per process. */
export function kafkaPySandboxHost(): SandboxHost {
  return perProcess('sandbox-host:kafka-py', () => new SandboxHost({ concurrency: runCapacity().kafkaTs, firstUid: FIRST_KAFKA_PY_UID }));
}
