/**
 * `npm run bench:examples`: Airflow's own example DAGs (the 13 that need no external
 * service, lib/runs/airflow/test-helpers.ts) under "Ejecutar" against the cold CLI.
 *   - Ejecutar: the installed example file through the executor and a warm sandboxed worker,
 *     from the start request to the exit event; the pool is warm again before each run.
 *   - CLI: `airflow dags test <dag>` in a fresh AIRFLOW_HOME (a new process each time, as a
 *     learner runs it at home), including its tasks' own sleeps.
 * Medians of BENCH_RUNS (default 3) and BENCH_COLD_RUNS (default 3). Keep the pool at one
 * worker: the machine has 2 cores and the two sides are timed one after the other.
 */
import { DagWorkerPool } from '../lib/runs/airflow/pool';
import { AIRFLOW_EXAMPLES, airflowCliTest, exampleFile, runDag } from '../lib/runs/airflow/test-helpers';
import { TEST_UIDS } from '../lib/sandbox/uids';

// Benchmark knobs, read raw: this harness's own settings, not the site's or the lab's (lib/env.ts declares those).
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Row {
  dagId: string;
  tasks: number;
  warm: number;
  cold: number;
  exit: string;
}

async function main() {
  // uids away from the server's pool (61200+), the specs (61300+, 61400+) and Airflow's task launcher (61500+).
  const pool = new DagWorkerPool({ size: 1, slots: 3, firstUid: TEST_UIDS.benchExamples, root: '/run/cauce-airflow-bench-examples' });
  const rows: Row[] = [];
  try {
    for (const example of AIRFLOW_EXAMPLES) {
      const warm: number[] = [];
      let tasks = 0;
      let exit = '';
      for (let i = 0; i < RUNS; i++) {
        await pool.whenWarm();
        const run = await runDag(pool, [exampleFile(example)]);
        warm.push(run.ms);
        tasks = run.events.find((e) => e.type === 'dag')?.tasks.length ?? 0;
        exit = run.exit.reason;
      }
      const cold: number[] = [];
      for (let i = 0; i < COLD_RUNS; i++) cold.push((await airflowCliTest(example)).ms);
      const row = { dagId: example.dagId, tasks, warm: median(warm), cold: median(cold), exit };
      rows.push(row);
      console.log(`${row.dagId}: Ejecutar ${warm.map(seconds).join(', ')} · CLI ${cold.map(seconds).join(', ')}`);
    }
  } finally {
    await pool.close();
  }
  const width = Math.max(...rows.map((r) => r.dagId.length));
  console.log(`\nDAGs de ejemplo de Airflow: mediana de ${RUNS} (Ejecutar, caliente) y de ${COLD_RUNS} (airflow dags test, en frío)`);
  console.log(`${'DAG'.padEnd(width)}  tareas  Ejecutar    CLI      CLI/Ejecutar  fin en Ejecutar`);
  for (const r of rows) {
    console.log(
      `${r.dagId.padEnd(width)}  ${String(r.tasks).padStart(6)}  ${seconds(r.warm).padStart(8)}  ${seconds(r.cold).padStart(8)}  ${`${(r.cold / r.warm).toFixed(1)}×`.padStart(12)}  ${r.exit}`,
    );
  }
  const total = (key: 'warm' | 'cold') => rows.reduce((sum, r) => sum + r[key], 0);
  console.log(
    `${'total'.padEnd(width)}          ${seconds(total('warm')).padStart(8)}  ${seconds(total('cold')).padStart(8)}  ${`${(total('cold') / total('warm')).toFixed(1)}×`.padStart(12)}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
