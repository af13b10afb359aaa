import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { airflowCliEnv } from '@/lab/airflow/install';
import { airflowPaths } from '@/lab/airflow/paths';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import type { DagWorkerPool } from './pool';
import type { WorkerEvent, WorkerJob } from './protocol';
import type { DagWorker, WorkerEnd } from './worker';
import { executeAirflowDag } from './dag';
import { Run } from '../run';
import type { RunEvent } from '../schema';

const execFileAsync = promisify(execFile);

/** Never skipped: without root, bwrap or the installed lab an Airflow suite fails with the reason. */
export function assertAirflowLab(): void {
  assertSandboxPrerequisites();
  const installed = airflowPaths().installedMarker;
  if (!existsSync(installed)) throw new Error(`Airflow no está instalado (${installed}): ejecuta npx tsx lab/cli.ts prepare-airflow (npm test lo hace).`);
}

/**
 * The runnable version of a lesson file: the last ```python title="name" block of the lesson's
 * text (the article's original comes first; the Retos at the end have their own starters).
 */
export function lessonFile(lesson: string, name: string): { name: string; content: string } {
  const whole = readFileSync(path.join(process.cwd(), 'content', 'airflow', `${lesson}.mdx`), 'utf8');
  const retos = whole.indexOf('<Reto ');
  const text = retos < 0 ? whole : whole.slice(0, retos);
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

// ---------------------------------------------------------------- Airflow's own example DAGs

/** An example DAG that ships with the installed Airflow and needs no external service. */
export interface AirflowExample {
  /** Path inside site-packages. */
  file: string;
  /** The DAG the worker runs (the file's first by id when it defines several). */
  dagId: string;
}

const example = (file: string, dagId = path.basename(file, '.py')): AirflowExample => ({ file, dagId });
const CORE = 'airflow/example_dags';
const STANDARD = 'airflow/providers/standard/example_dags';

export const AIRFLOW_EXAMPLES: readonly AirflowExample[] = [
  example(`${CORE}/tutorial.py`),
  example(`${CORE}/tutorial_taskflow_api.py`),
  example(`${STANDARD}/example_bash_operator.py`),
  example(`${STANDARD}/example_python_operator.py`),
  example(`${STANDARD}/example_branch_operator.py`),
  example(`${CORE}/example_xcom.py`),
  example(`${CORE}/example_xcomargs.py`, 'example_xcom_args'),
  example(`${CORE}/example_task_group.py`),
  example(`${CORE}/example_dynamic_task_mapping.py`),
  example(`${CORE}/example_skip_dag.py`),
  example(`${CORE}/example_setup_teardown.py`),
  example(`${STANDARD}/example_short_circuit_operator.py`),
  example(`${CORE}/example_complex.py`),
];

function sitePackages(): string {
  const lib = path.join(airflowPaths().venv, 'lib');
  const python = readdirSync(lib).find((name) => name.startsWith('python3'));
  if (!python) throw new Error(`no python3.* in ${lib}`);
  return path.join(lib, python, 'site-packages');
}

/** The installed example as the one file a student would paste into the editor. */
export function exampleFile(example: AirflowExample): { name: string; content: string } {
  return { name: path.basename(example.file), content: readFileSync(path.join(sitePackages(), example.file), 'utf8') };
}

/** task id (or "task_id[map_index]" for an instance of a mapped task) → final state. */
export type TaskStates = Record<string, string>;

const instanceKey = (taskId: string, mapIndex?: number | null) => (mapIndex === undefined || mapIndex === null || mapIndex < 0 ? taskId : `${taskId}[${mapIndex}]`);

/**
 * `airflow dags test <dag id>` the way a learner runs it at home: a cold CLI process, a
 * throwaway AIRFLOW_HOME holding a copy of the migrated template DB and only the example file.
 * Returns every task instance's final state, read from that home's metadata DB.
 */
export async function airflowCliTest(example: AirflowExample): Promise<{ states: TaskStates; dagState: string; ms: number }> {
  const paths = airflowPaths();
  const home = mkdtempSync(path.join(tmpdir(), 'cauce-cli-'));
  try {
    const dags = path.join(home, 'dags');
    mkdirSync(dags);
    copyFileSync(paths.templateDb, path.join(home, 'airflow.db'));
    const file = exampleFile(example);
    writeFileSync(path.join(dags, file.name), file.content);
    const db = path.join(home, 'airflow.db');
    const env = { ...airflowCliEnv(home, `sqlite:///${db}`), AIRFLOW__CORE__DAGS_FOLDER: dags };
    const started = Date.now();
    const { code, tail } = await new Promise<{ code: number | null; tail: string }>((resolve, reject) => {
      const child = spawn(paths.airflowBin, ['dags', 'test', example.dagId], { env: env as unknown as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, tail }));
    });
    const ms = Date.now() - started;
    const read = [
      'import json, sqlite3, sys',
      'db = sqlite3.connect(sys.argv[1])',
      'tis = db.execute("select task_id, map_index, state from task_instance where dag_id = ?", (sys.argv[2],)).fetchall()',
      'runs = db.execute("select state from dag_run where dag_id = ?", (sys.argv[2],)).fetchall()',
      'print(json.dumps({"tis": tis, "dag": runs[0][0] if runs else None}))',
    ].join('\n');
    const { stdout } = await execFileAsync(paths.python, ['-c', read, db, example.dagId]);
    const found = JSON.parse(stdout) as { tis: [string, number, string | null][]; dag: string | null };
    if (!found.dag) throw new Error(`airflow dags test ${example.dagId} did not run (exit ${code}):\n${tail}`);
    const states: TaskStates = {};
    for (const [taskId, mapIndex, state] of found.tis) states[instanceKey(taskId, mapIndex)] = state ?? 'none';
    return { states, dagState: found.dag, ms };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * The pool with its workers' raw protocol tapped: `onEvent` sees every worker event (task
 * states with their map_index, which RunEvents summarize per task) before the executor does;
 * `onEnd` sees how each job ended (its CPU time included).
 */
export function tapWorkerEvents(pool: DagWorkerPool, onEvent: (event: WorkerEvent) => void, onEnd?: (end: WorkerEnd) => void): DagWorkerPool {
  const bound = <T extends object>(target: T, key: PropertyKey) => {
    const value = Reflect.get(target, key, target) as unknown;
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const tapWorker = (worker: DagWorker): DagWorker =>
    new Proxy(worker, {
      get: (target, key) =>
        key === 'run'
          ? async (job: WorkerJob, listener: (event: WorkerEvent) => void, signal?: AbortSignal) => {
              const end = await target.run(job, (event) => (onEvent(event), listener(event)), signal);
              onEnd?.(end);
              return end;
            }
          : bound(target, key),
    });
  return new Proxy(pool, {
    get: (target, key) => (key === 'take' ? async () => tapWorker(await target.take()) : bound(target, key)),
  });
}

/** Final states as the worker streamed them, in the reference's shape. */
export function finalStates(events: readonly WorkerEvent[]): TaskStates {
  const states: TaskStates = {};
  for (const event of events) if (event.event === 'task') states[instanceKey(event.taskId, event.mapIndex)] = event.state;
  return states;
}
