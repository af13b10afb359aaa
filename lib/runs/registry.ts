import { knownRunnable } from '@/lib/content/runnables';
import { perProcess } from '@/lib/per-process';
import { runCapacity, serverEnv } from '@/lib/env';
import { executeAirflowDag } from './airflow/dag';
import { executeKafkaPySnippet } from './kafka-py';
import { executeKafkaSnippet } from './kafka-ts';
import { RunQueue, type Lane } from './queue';
import { executeShellSnippet } from './shell/execute';
import { recordRunLifecycle } from './record';
import { Run } from './run';
import type { RunRequest } from './schema';

/** Ended runs stay readable (for reconnecting pages) this long, then are forgotten. */
const KEEP_ENDED_MS = 10 * 60_000;

/**
 * What a run is expected to take before the queue has seen that example end (then it learns):
 * measured on the 2-core lab machine, warm. A consumer runs until the student stops it.
 */
function firstGuessMs(run: Run): number {
  if (run.request.kind === 'airflow-dag') return 10_000;
  if (run.request.kind === 'shell') return 1_000;
  if (run.request.kind === 'pyspark') return knownRunnable(run.request.snippet)?.runs === 'until-stopped' ? 60_000 : 10_000;
  return knownRunnable(run.request.snippet)?.runs === 'until-stopped' ? 30_000 : 2_000;
}

interface Registry {
  runs: Map<string, Run>;
  queue: RunQueue;
}

// One registry per server process; kept on globalThis so dev reloads do not orphan runs.

/** The server's queue: one lane per kind, so a class's waiting consumers never hold the places its DAGs or scripts need, or the reverse. */
function createRegistry(): Registry {
  const capacity = runCapacity();
  const kafkaLane = { key: 'kafka-ts', capacity: capacity.kafkaTs };
  const dagLane = { key: 'airflow-dag', capacity: capacity.airflowDag };
  const shellLane = { key: 'shell', capacity: capacity.shell };
  const sparkLane = { key: 'pyspark', capacity: capacity.pyspark };
  const lanes: Partial<Record<RunRequest['kind'], Lane>> = { 'airflow-dag': dagLane, shell: shellLane, pyspark: sparkLane };
  return {
    runs: new Map(),
    queue: new RunQueue(
      async (run) => {
        if (run.request.kind === 'kafka-ts') await executeKafkaSnippet(run);
        else if (run.request.kind === 'kafka-py')
          await executeKafkaPySnippet(run); // the Kafka lane, beside kafka-ts
        else if (run.request.kind === 'airflow-dag') await executeAirflowDag(run);
        else if (run.request.kind === 'shell') await executeShellSnippet(run);
        // Loaded on the first Spark run: it brings the AWS SDK (~21 MB and ~55 ms of CPU), which a
        // server whose class never runs Spark need not carry.
        else if (run.request.kind === 'pyspark') await (await import('./pyspark/execute')).executePysparkSnippet(run);
      },
      {
        capacity: capacity.total,
        lane: (run) => lanes[run.request.kind] ?? kafkaLane, // kinds that do not run yet are refused earlier
        perOwner: serverEnv().CAUCE_RUNS_PER_STUDENT,
        expectedMs: firstGuessMs,
      },
    ),
  };
}

function registry(): Registry {
  return perProcess('runs:registry', createRegistry);
}

function forgetOldRuns(runs: Map<string, Run>) {
  const now = Date.now();
  for (const [id, run] of runs) if (run.endedAt && now - run.endedAt > KEEP_ENDED_MS) runs.delete(id);
}

export type RunOptions = NonNullable<ConstructorParameters<typeof Run>[1]>;

/**
 * Queues a run and records it from its start to its end (lib/runs/record.ts).
 * @param options.student the session's student (course mode); @default DEFAULT_STUDENT
 * @param options.owner who may follow/stop it (from the session); @default LOCAL_OWNER
 */
export function createRun(request: RunRequest, options: RunOptions = {}): Run {
  const { runs, queue } = registry();
  forgetOldRuns(runs);
  const run = new Run(request, options);
  runs.set(run.id, run);
  run.stopWhenUnwatched(); // until its page connects
  void recordRunLifecycle(run);
  queue.enqueue(run);
  return run;
}

/** Any run by id (server-internal use: never answer a request with it without an owner check). */
export function findRun(id: string): Run | undefined {
  return registry().runs.get(id);
}

/**
 * The run with this id if `ownerKey` (from the session) started it; undefined otherwise, so
 * someone else's run id answers exactly like an unknown one (404).
 */
export function findOwnRun(id: string, ownerKey: string): Run | undefined {
  const run = findRun(id);
  return run && run.owner.key === ownerKey ? run : undefined;
}

/** How many runs this owner has waiting and running (for the per-student quota). */
export function pendingRuns(ownerKey: string): { waiting: number; running: number } {
  return registry().queue.pendingFor(ownerKey);
}

/** Stops every run of one owner (before an instructor resets that student's lab namespace). */
export function stopRunsOf(ownerKey: string): number {
  let stopped = 0;
  for (const run of registry().runs.values()) {
    if (run.owner.key === ownerKey && run.state !== 'ended') {
      run.stop();
      stopped += 1;
    }
  }
  return stopped;
}
