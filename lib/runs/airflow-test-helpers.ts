import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DagWorkerPool } from './airflow-pool';
import { executeAirflowDag } from './airflow-dag';
import { Run } from './run';
import type { RunEvent } from './schema';

/** The runnable version of a lesson file: the last ```python title="name" block of the lesson. */
export function lessonFile(lesson: string, name: string): { name: string; content: string } {
  const text = readFileSync(path.join(process.cwd(), 'content', 'airflow', `${lesson}.mdx`), 'utf8');
  const blocks = [...text.matchAll(new RegExp('```python title="' + name.replace('.', '\\.') + '"\\n([\\s\\S]*?)```', 'g'))];
  const content = blocks.at(-1)?.[1];
  if (!content) throw new Error(`no block ${name} in ${lesson}`);
  return { name, content };
}

/** Runs files as an airflow-dag snippet through the executor and collects every event. */
export async function runDag(
  pool: DagWorkerPool,
  files: { name: string; content: string }[],
  options: { stopAfterMs?: number } = {},
): Promise<{ events: RunEvent[]; exit: Extract<RunEvent, { type: 'exit' }>; ms: number }> {
  const run = new Run({ lesson: 'airflow/test', snippet: 'airflow/test/dag', kind: 'airflow-dag', files });
  const events: RunEvent[] = [];
  run.subscribe((event) => events.push(event));
  const started = Date.now();
  if (options.stopAfterMs) setTimeout(() => run.stop(), options.stopAfterMs);
  await executeAirflowDag(run, pool);
  const exit = events.find((e): e is Extract<RunEvent, { type: 'exit' }> => e.type === 'exit');
  if (!exit) throw new Error('run ended without exit event');
  return { events, exit, ms: Date.now() - started };
}
