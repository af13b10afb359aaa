/**
 * `npm run bench:dags`: how fast an airflow-dag run is, on this machine, with real Airflow.
 *   1. warm path: the lesson's test_print_values DAG through the executor (sandboxed warm
 *      worker), from the start request to the exit event, 20 runs, p50/p95. "paced" waits
 *      until the pool is warm again before each run (a student reading between runs);
 *      "burst" fires them back to back (the pool refills slower than it is drained).
 *   2. cold path: `airflow dags test` on the same DAG, a new CLI process per run (median of 3).
 *   3. memory (RSS) of the warm pool, and the time from start to "Airflow ready".
 * Goals (issue): warm p50 ≤ 3 s; back to back p95 ≤ 2 s; cold / warm ≥ 5×.
 * Each warm line also gives the CPU time of a run (the job process and its children, as the
 * zygote measures it): less sensitive to other load than wall time.
 * BENCH_WARM_ONLY=1 skips 2 and 3 (they start cold Airflow processes: slow, and port 18480).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { airflowCliEnv, prepareAirflow } from '../lab/airflow/install';
import { airflowPaths } from '../lab/airflow/paths';
import { AirflowServer } from '../lab/airflow/server';
import { DagWorkerPool } from '../lib/runs/airflow/pool';
import { lessonFile, runDag, tapWorkerEvents } from '../lib/runs/airflow/test-helpers';

// Benchmark knobs, read raw: this harness's own settings, not the site's or the lab's (lib/env.ts declares those).
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARM_ONLY = process.env.BENCH_WARM_ONLY === '1';
const root = path.resolve(import.meta.dirname, '..');
const file = () => lessonFile('definicion-workflow', 'test_print_values.py');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function warmRuns(pool: DagWorkerPool, paced: boolean): Promise<{ times: number[]; cpu: number[] }> {
  const times: number[] = [];
  const cpu: number[] = [];
  const tapped = tapWorkerEvents(
    pool,
    () => undefined,
    (end) => cpu.push(end.cpuMs ?? NaN),
  );
  for (let i = 0; i < RUNS; i++) {
    if (paced) await pool.whenWarm();
    const { exit, ms } = await runDag(tapped, [file()]);
    if (exit.reason !== 'finished') throw new Error(`run ${i} ended ${exit.reason}: ${exit.message}`);
    times.push(ms);
  }
  return { times, cpu };
}

const line = ({ times, cpu }: { times: number[]; cpu: number[] }) =>
  `p50 ${seconds(percentile(times, 50))}  p95 ${seconds(percentile(times, 95))}  (CPU por ejecución: p50 ${seconds(percentile(cpu, 50))}  p95 ${seconds(percentile(cpu, 95))})`;

/** One `airflow dags test` in a fresh AIRFLOW_HOME with a copy of the migrated template DB. */
async function coldRun(): Promise<number> {
  const paths = airflowPaths();
  const home = path.join(root, '.lab', 'bench-cold');
  rmSync(home, { recursive: true, force: true });
  mkdirSync(path.join(home, 'dags'), { recursive: true });
  copyFileSync(paths.templateDb, path.join(home, 'airflow.db'));
  const dag = file();
  writeFileSync(path.join(home, 'dags', dag.name), dag.content);
  const env = { ...airflowCliEnv(home, `sqlite:///${path.join(home, 'airflow.db')}`), AIRFLOW__CORE__DAGS_FOLDER: path.join(home, 'dags') };
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(paths.airflowBin, ['dags', 'test', 'test_print_values'], { env: env as unknown as NodeJS.ProcessEnv, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`airflow dags test exited ${code}`))));
  });
  return Date.now() - started;
}

async function readyTime(): Promise<number> {
  const server = new AirflowServer({ port: 18480, stateDir: path.join(root, '.lab', 'bench-airflow') });
  await server.prepare(); // not timed: first-start copy of the DB, secrets
  const started = Date.now();
  await server.start();
  try {
    await server.waitHealthy(180_000);
    return Date.now() - started;
  } finally {
    await server.stop();
  }
}

async function main() {
  const installStarted = Date.now();
  const { installed } = await prepareAirflow();
  if (installed) console.log(`Instalación de Airflow: ${seconds(Date.now() - installStarted)}`);

  const pool = new DagWorkerPool({ firstUid: 61_400, root: '/run/cauce-airflow-bench' });
  try {
    await pool.whenWarm();
    const rss = await pool.residentBytes();
    const paced = await warmRuns(pool, true);
    const burst = await warmRuns(pool, false);
    console.log(
      `\ntest_print_values (7 tareas), ${RUNS} ejecuciones, de la petición al estado final (carga ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}):`,
    );
    console.log(`  caliente, con pausa: ${line(paced)}  (objetivo p50 ≤ 3 s)`);
    console.log(`  caliente, seguidas:  ${line(burst)}  (objetivo p95 ≤ 2 s)`);
    console.log(`  memoria del pool caliente (${pool.size} trabajadores): ${(rss / 1024 / 1024).toFixed(0)} MB RSS`);
    if (WARM_ONLY) return;
    const cold = [await coldRun(), await coldRun(), await coldRun()];
    const coldMedian = percentile(cold, 50);
    console.log(`  frío (airflow dags test, mediana de 3): ${seconds(coldMedian)}  -> ${(coldMedian / percentile(paced.times, 50)).toFixed(1)}× (objetivo ≥ 5×)`);
  } finally {
    await pool.close();
    rmSync(path.join(root, '.lab', 'bench-cold'), { recursive: true, force: true });
  }
  console.log(`  arranque de Airflow hasta "listo" (máquina preparada): ${seconds(await readyTime())}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
