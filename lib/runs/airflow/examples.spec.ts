/**
 * Airflow's own example DAGs (the copies installed in the lab's venv) run under "Ejecutar"
 * and end with the same task states as `airflow dags test` on this machine. The reference is
 * computed live by the CLI (a cold process in a throwaway AIRFLOW_HOME) and cached under
 * .lab/test-results/ by Airflow version, lock and file hash, so a changed worker is
 * compared against the real thing and a changed install recomputes it. Needs root and the
 * installed lab, like airflow-dag.spec.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflowPaths, lockHash } from '@/lab/airflow/paths';
import { AIRFLOW_VERSION } from '@/lab/airflow/version';
import { DagWorkerPool } from './pool';
import type { WorkerEvent } from './protocol';
import { AIRFLOW_EXAMPLES, airflowCliTest, assertAirflowLab, exampleFile, finalStates, runDag, tapWorkerEvents, type AirflowExample, type TaskStates } from './test-helpers';
import type { RunEvent } from '../schema';

const FIRST_UID = 61_400; // away from the server (61200+), airflow-dag.spec (61300+) and kafka-ts (61100+)
const SLOTS = 4;

/**
 * Tasks that need what the lab lacks. Where the CLI (with this machine's network) managed
 * and the lab could not, the task must fail with this Spanish diagnostic and everything
 * downstream of it end upstream_failed; where the CLI failed too, states are simply equal.
 */
const LAB_LACKS: Record<string, { taskId: string; message: RegExp }[]> = {
  // BranchPythonVirtualenvOperator pip-installs numpy from PyPI: the lab has no network.
  example_branch_operator: [{ taskId: 'branching_venv', message: /«branching_venv» necesita instalar «numpy~=1\.26\.0» con pip, pero el laboratorio no tiene red/ }],
};

/** The Spanish sentence a failed example ends with (the file alone: its sql/ folder is not one of the example's tabs). */
const EXIT_MESSAGE: Record<string, RegExp> = {
  example_python_operator: /«log_sql_query» usa la plantilla «sql\/sample\.sql», que no está entre los archivos del ejemplo/,
};

/**
 * example_branch_operator picks its branches with random.choice, so the CLI and the lab may
 * take different ones: compare the states with the option letter blanked out, and require
 * each option's branch and its follow-up to agree.
 */
const RANDOM_OPTION = /_(a|b|c|d)$/;
const RANDOM_BRANCHES = new Set(['example_branch_operator']);

interface Reference {
  key: string;
  states: TaskStates;
  dagState: string;
  ms: number;
}

const CACHE = path.join(process.cwd(), '.lab', 'test-results', `airflow-examples-reference-${AIRFLOW_VERSION}.json`);

/** The CLI's final states for an example, from the cache when Airflow and the file are unchanged. */
async function reference(example: AirflowExample): Promise<Reference> {
  const key = createHash('sha256').update(lockHash(airflowPaths())).update(exampleFile(example).content).digest('hex').slice(0, 16);
  const cache = existsSync(CACHE) ? (JSON.parse(readFileSync(CACHE, 'utf8')) as Record<string, Reference>) : {};
  const cached = cache[example.dagId];
  if (cached?.key === key) return cached;
  const fresh = { key, ...(await airflowCliTest(example)) };
  mkdirSync(path.dirname(CACHE), { recursive: true });
  writeFileSync(CACHE, JSON.stringify({ ...cache, [example.dagId]: fresh }, null, 2));
  return fresh;
}

const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

/** Every task reachable downstream of `taskId` in the DAG the run reported. */
function downstreamOf(edges: [string, string][], taskId: string): Set<string> {
  const found = new Set<string>();
  const walk = (from: string) => {
    for (const [up, down] of edges) {
      if (up === from && !found.has(down)) {
        found.add(down);
        walk(down);
      }
    }
  };
  walk(taskId);
  return found;
}

const baseId = (key: string) => key.replace(/\[\d+\]$/, '');
const sortedPairs = (states: TaskStates, id: (key: string) => string = (key) => key) =>
  Object.entries(states)
    .map(([key, state]) => `${id(key)}=${state}`)
    .sort();

describe('los DAGs de ejemplo de Airflow en «Ejecutar» acaban como con airflow dags test', () => {
  let pool: DagWorkerPool;

  beforeAll(async () => {
    assertAirflowLab();
    pool = new DagWorkerPool({ firstUid: FIRST_UID, slots: SLOTS, size: 1, root: '/run/cauce-airflow-examples-test' });
    pool.warm();
    (await pool.take()).dispose(); // workers can start at all
  });

  afterAll(async () => {
    await pool?.close();
  });

  it.each(AIRFLOW_EXAMPLES.map((example) => [example.dagId, example] as const))(
    'el alumno ejecuta %s y ve los mismos estados finales que airflow dags test',
    async (_dagId, example) => {
      const ref = await reference(example);
      const raw: WorkerEvent[] = [];
      const { events, exit } = await runDag(
        tapWorkerEvents(pool, (event) => raw.push(event)),
        [exampleFile(example)],
      );
      const lab = finalStates(raw);
      const dag = of(events, 'dag')[0];
      expect(dag?.dagId, exit.message).toBe(example.dagId);

      // What the CLI did, adjusted only where the lab says, in Spanish, what it lacks.
      const expected: TaskStates = { ...ref.states };
      const diagnostics = of(events, 'diagnostic').map((d) => d.message);
      let lacked = false;
      for (const { taskId, message } of LAB_LACKS[example.dagId] ?? []) {
        if (ref.states[taskId] === lab[taskId]) continue;
        expect(lab[taskId]).toBe('failed');
        expect(diagnostics.join('\n')).toMatch(message);
        expect(exit.message).toMatch(message);
        lacked = true;
        expected[taskId] = 'failed';
        for (const down of downstreamOf(dag!.edges, taskId)) expected[down] = 'upstream_failed';
      }

      if (RANDOM_BRANCHES.has(example.dagId)) {
        const blank = (key: string) => key.replace(RANDOM_OPTION, '_?');
        expect(sortedPairs(lab, blank)).toEqual(sortedPairs(expected, blank));
        for (const option of ['a', 'b', 'c', 'd']) expect(lab[`follow_${option}`]).toBe(lab[`branch_${option}`]);
      } else {
        expect(lab).toEqual(expected);
      }

      // The graph shows every task, and each ends in the state the student reads.
      expect(new Set(dag!.tasks.map((t) => t.id))).toEqual(new Set(Object.keys(ref.states).map(baseId)));
      const shown = new Map(of(events, 'task').map((e) => [e.taskId, e.state] as const));
      for (const id of new Set(Object.keys(lab).map(baseId))) {
        const states = new Set(
          Object.entries(lab)
            .filter(([key]) => baseId(key) === id)
            .map(([, state]) => state),
        );
        if (states.size === 1) expect(shown.get(id), id).toBe([...states][0]);
      }

      if (ref.dagState === 'success' && !lacked) expect(exit).toMatchObject({ reason: 'finished', message: expect.stringMatching(/terminó correctamente/) });
      else expect(exit.reason).toBe('failed');
      if (EXIT_MESSAGE[example.dagId]) expect(exit.message).toMatch(EXIT_MESSAGE[example.dagId]!);
    },
    600_000,
  );

  /** A DAG whose only task "t" (a PythonOperator on line 7 + the lines of `body`) runs `body`. */
  const needing = (body: string) =>
    [
      'from datetime import datetime',
      'from airflow.sdk import DAG',
      'from airflow.providers.standard.operators.python import PythonOperator',
      '',
      'def work():',
      ...body.split('\n').map((line) => `    ${line}`),
      'with DAG(dag_id="necesita", start_date=datetime(2024, 1, 1), schedule=None):',
      '    PythonOperator(task_id="t", python_callable=work)',
      '',
    ].join('\n');

  it.each([
    ['una conexión', 'from airflow.sdk import BaseHook\nBaseHook.get_connection("mi_postgres")', /«t» usa la conexión «mi_postgres», que no existe en el laboratorio/],
    ['la red', 'import urllib.request\nurllib.request.urlopen("https://pypi.org", timeout=5)', /«t» intentó conectarse por red .*el laboratorio no tiene acceso a la red/],
    ['un paquete', 'import pandas', /«t» importa «pandas», que no existe en el laboratorio: si es una biblioteca, no está instalada/],
    ['una Variable', 'from airflow.sdk import Variable\nVariable.get("umbral")', /«t» lee la Variable «umbral», que no existe en el laboratorio/],
  ])('un DAG que necesita %s que el laboratorio no tiene lo dice en español, en la línea de la tarea', async (_what, body, message) => {
    const lines = body.split('\n').length;
    const { events, exit } = await runDag(pool, [{ name: 'necesita.py', content: needing(body) }]);
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(message) });
    expect(of(events, 'diagnostic')).toContainEqual(expect.objectContaining({ file: 'necesita.py', line: 7 + lines, message: expect.stringMatching(message) }));
  });

  it('PythonVirtualenvOperator con requirements dice que no hay red para instalarlos', async () => {
    const content = [
      'from datetime import datetime',
      'from airflow.sdk import DAG',
      'from airflow.providers.standard.operators.python import PythonVirtualenvOperator',
      '',
      'def pinta():',
      '    import colorama',
      '',
      'with DAG(dag_id="venv", start_date=datetime(2024, 1, 1), schedule=None):',
      '    PythonVirtualenvOperator(task_id="pinta", python_callable=pinta, requirements=["colorama==0.4.0"])',
      '',
    ].join('\n');
    const { events, exit } = await runDag(pool, [{ name: 'venv_dag.py', content }]);
    const message = /«pinta» necesita instalar «colorama==0\.4\.0» con pip, pero el laboratorio no tiene red/;
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(message) });
    expect(of(events, 'diagnostic')).toContainEqual(expect.objectContaining({ file: 'venv_dag.py', line: 9 }));
  });
});
