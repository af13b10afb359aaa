/**
 * The warm DAG worker pool when a worker dies from outside (issue 14): an idle one is replaced
 * at once, not when the next run needs it; one killed under a run ends that run as a lab
 * failure, never as the student's CPU limit. Real Airflow in real bubblewrap (root, the lab).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagWorkerPool } from './pool';
import { assertAirflowLab, runDag } from './test-helpers';

const FIRST_UID = 61_380; // away from zygote.spec (61360+), dag.spec (61300+) and the server's pool (61200+)

const SLEEPER = [
  'from datetime import datetime',
  'from airflow.sdk import DAG',
  'from airflow.providers.standard.operators.bash import BashOperator',
  '',
  'with DAG(dag_id="duerme", start_date=datetime(2024, 1, 1), schedule=None):',
  '    BashOperator(task_id="t", bash_command="sleep 30")',
  '',
].join('\n');

/** SIGKILL to the worker's whole sandbox, as the OOM killer or an operator's kill -9 would. */
function killSandbox(pid: number | undefined): void {
  if (!pid) throw new Error('the worker has no pid');
  process.kill(-pid, 'SIGKILL');
}

describe('el pool de trabajadores de DAG cuando uno muere desde fuera', { timeout: 180_000 }, () => {
  let pool: DagWorkerPool;

  beforeAll(async () => {
    assertAirflowLab();
    pool = new DagWorkerPool({ size: 1, firstUid: FIRST_UID, slots: 3, root: '/run/cauce-airflow-pool-test', limits: { wallMs: 20_000 } });
    await pool.whenWarm();
  }, 150_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('un trabajador en reposo que muere se repone solo, antes de que nadie pulse Ejecutar', async () => {
    const [before] = pool.sparePids();
    killSandbox(before);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(pool.sparePids()).not.toContain(before);
    await pool.whenWarm(120_000); // no take(): the pool refilled on its own
    expect(pool.sparePids()).toHaveLength(1);
    expect(pool.sparePids()[0]).not.toBe(before);
  });

  it('un trabajador matado a mitad de una ejecución la termina como fallo del laboratorio, no como límite de CPU', async () => {
    const [pid] = pool.sparePids();
    setTimeout(() => killSandbox(pid), 3_000);
    const { exit } = await runDag(pool, [{ name: 'duerme.py', content: SLEEPER }]);
    expect(exit.reason).not.toBe('cpu-limit');
    expect(exit.reason).toBe('error');
    expect(exit.message).not.toMatch(/CPU/);
    await pool.whenWarm(120_000); // and the pool has a worker again
  });
});
