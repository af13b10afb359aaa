import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { TaskLauncher } from './launcher';
import { placeWorkload, TaskRefusedError, TaskWorkload } from './workload';

const dirs = { dagsDir: '/lab/home/dags', logsDir: '/lab/home/logs' };

function workload(overrides: { dag_rel_path?: string; dag_id?: string; log_path?: string } = {}) {
  const dagId = overrides.dag_id ?? 'ana__test_plugin';
  return TaskWorkload.parse({
    type: 'ExecuteTask',
    token: 't',
    dag_rel_path: overrides.dag_rel_path ?? 'cauce_ana/backup_dag.py',
    bundle_info: { name: 'dags-folder', version: null },
    log_path: overrides.log_path ?? `dag_id=${dagId}/run_id=manual__1/task_id=targz/attempt=1.log`,
    ti: { id: '01', dag_id: dagId, task_id: 'targz', run_id: 'manual__1', try_number: 1, map_index: -1 },
    sentry_integration: '',
  });
}

describe('qué puede tocar una tarea enviada al scheduler', () => {
  it('una tarea de la carpeta de un alumno ve esa carpeta y escribe solo su propio log', () => {
    expect(placeWorkload(workload(), dirs)).toEqual({
      student: 'ana',
      studentFolder: '/lab/home/dags/cauce_ana',
      logFile: '/lab/home/logs/dag_id=ana__test_plugin/run_id=manual__1/task_id=targz/attempt=1.log',
    });
  });

  it.each([
    ['un DAG fuera de las carpetas de alumnos', { dag_rel_path: 'instructor_dag.py' }],
    ['una ruta que sale de la carpeta de DAGs', { dag_rel_path: '../secrets/x.py' }],
    ['una carpeta que no es de alumno', { dag_rel_path: 'otra/x.py' }],
    ['un DAG con el prefijo de otro alumno', { dag_id: 'bea__test_plugin', log_path: 'dag_id=bea__test_plugin/a.log' }],
    ['un log fuera de la carpeta de su DAG', { log_path: 'dag_id=ana__test_plugin/../../secrets.json' }],
    ['un log en la carpeta de otro DAG', { log_path: 'dag_id=bea__x/run_id=r/attempt=1.log' }],
  ])('se rechaza %s', (_what, overrides) => {
    expect(() => placeWorkload(workload(overrides), dirs)).toThrow(TaskRefusedError);
  });

  it('solo acepta tareas (ExecuteTask) del paquete de DAGs del laboratorio', () => {
    expect(TaskWorkload.safeParse({ ...workload(), type: 'ExecuteCallback' }).success).toBe(false);
    expect(TaskWorkload.safeParse({ ...workload(), bundle_info: { name: 'otro' } }).success).toBe(false);
  });
});

describe('el lanzador de tareas', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cauce-launcher-'));
  let launcher: TaskLauncher;
  const socketPath = path.join(root, 'state', 'tasks', 'launcher.sock');

  beforeAll(async () => {
    assertSandboxPrerequisites();
    for (const dir of ['dags', 'logs']) mkdirSync(path.join(root, dir));
    launcher = new TaskLauncher({
      socketPath,
      dagsDir: path.join(root, 'dags'),
      logsDir: path.join(root, 'logs'),
      apiUrl: 'http://127.0.0.1:9',
      root: path.join(root, 'run'),
      log: () => undefined,
    });
    await launcher.start();
  });

  afterAll(async () => {
    await launcher?.close();
    rmSync(root, { recursive: true, force: true });
  });

  function ask(request: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath, () => socket.end(request));
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(JSON.parse(answer)));
      socket.on('error', reject);
    });
  }

  it('escucha en un socket que solo abre su dueño (0600)', async () => {
    const { statSync } = await import('node:fs');
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
  });

  it('responde con un error, sin ejecutar nada, a lo que no es una tarea de un alumno', async () => {
    expect(await ask('no es json\n')).toEqual({ error: 'the workload is not JSON' });
    expect(await ask(JSON.stringify(workload({ dag_rel_path: 'instructor_dag.py' })) + '\n')).toMatchObject({ error: expect.stringMatching(/not inside a student's folder/) });
    // The folder must exist: a workload naming a student who sent nothing is refused too.
    expect(await ask(JSON.stringify(workload()) + '\n')).toMatchObject({ error: expect.stringMatching(/cauce_ana does not exist/) });
  });
});
