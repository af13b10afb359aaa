import { executeAirflowDag } from './airflow-dag';
import { executeKafkaSnippet } from './kafka-ts';
import { RunQueue } from './queue';
import { Run } from './run';
import type { RunRequest } from './schema';

/** Ended runs stay readable (for reconnecting pages) this long, then are forgotten. */
const KEEP_ENDED_MS = 10 * 60_000;

interface Registry {
  runs: Map<string, Run>;
  queue: RunQueue;
}

// One registry per server process; kept on globalThis so dev reloads do not orphan runs.
const holder = globalThis as typeof globalThis & { __cauceRuns?: Registry };

function registry(): Registry {
  holder.__cauceRuns ??= {
    runs: new Map(),
    queue: new RunQueue(async (run) => {
      if (run.request.kind === 'kafka-ts') await executeKafkaSnippet(run);
      else if (run.request.kind === 'airflow-dag') await executeAirflowDag(run);
    }, Number(process.env.CAUCE_MAX_CONCURRENT_RUNS) || undefined),
  };
  return holder.__cauceRuns;
}

function forgetOldRuns(runs: Map<string, Run>) {
  const now = Date.now();
  for (const [id, run] of runs) if (run.endedAt && now - run.endedAt > KEEP_ENDED_MS) runs.delete(id);
}

export function createRun(request: RunRequest): Run {
  const { runs, queue } = registry();
  forgetOldRuns(runs);
  const run = new Run(request);
  runs.set(run.id, run);
  queue.enqueue(run);
  return run;
}

export function findRun(id: string): Run | undefined {
  return registry().runs.get(id);
}
