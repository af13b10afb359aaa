import { describe, expect, it } from 'vitest';
import { buildSandboxCommand } from '../command';
import { DEFAULT_AIRFLOW_TASK_LIMITS } from '@/lib/limits';
import { airflowTaskSandboxSpec } from './airflow-task';

const spec = airflowTaskSandboxSpec({
  uid: 61_500,
  limits: DEFAULT_AIRFLOW_TASK_LIMITS,
  runtime: { venv: '/repo/.lab/airflow/venv', python: { host: '/usr/bin/python3.11', inside: '/usr/bin/python3' }, stdlib: '/usr/lib/python3.11', systemArgs: [] },
  relayScript: '/repo/lib/sandbox/relay/relay.py',
  tmp: '/run/cauce-airflow-tasks/uid-61500/tmp',
  dagsDir: '/tmp/lab/home/dags',
  studentFolder: '/tmp/lab/home/dags/cauce_ana',
  logsDir: '/tmp/lab/home/logs',
  logFile: '/tmp/lab/home/logs/dag_id=ana__x/run_id=r/task_id=t/attempt=1.log',
  executionApiUrl: 'http://127.0.0.1:8080/execution/',
  network: { relayDir: '/run/cauce-airflow-tasks/net/uid-61500', routes: [{ listenHost: '127.0.0.1', port: 8080, socket: '/run/cauce-relay/0.sock' }], hostsFile: '/h' },
  cgroupProcs: [],
});
const { args } = buildSandboxCommand(spec);
const bwrap = args.slice(args.indexOf('/usr/bin/bwrap'));

describe('una tarea enviada al scheduler, dentro del sandbox', () => {
  it('ve su carpeta de DAGs (solo lectura) y su log (escritura) después de su /tmp, aunque estén dentro de /tmp', () => {
    const at = (...flag: string[]) => bwrap.findIndex((_, i) => flag.every((f, j) => bwrap[i + j] === f));
    const tmp = at('--bind', spec.writable[0]![0], '/tmp');
    expect(tmp).toBeGreaterThan(0);
    expect(at('--ro-bind', '/tmp/lab/home/dags/cauce_ana', '/tmp/lab/home/dags/cauce_ana')).toBeGreaterThan(tmp);
    expect(at('--bind', spec.nested![1]!.host, spec.nested![1]!.host)).toBeGreaterThan(tmp);
    // Nothing else of the lab is bound: not the DAG folder itself, not AIRFLOW_HOME, not the logs folder.
    const sources = bwrap.flatMap((arg, i) => (arg === '--bind' || arg === '--ro-bind' ? [bwrap[i + 1]!] : []));
    expect(sources.filter((source) => source.startsWith('/tmp/lab'))).toEqual([spec.nested![0]!.host, spec.nested![1]!.host]);
  });

  it('no recibe ninguna clave del laboratorio y habla con la API por la dirección relevada', () => {
    expect(Object.keys(spec.env).filter((key) => /SECRET|FERNET|JWT|PASSWORD|TOKEN/.test(key))).toEqual([]);
    expect(spec.env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL).toBe('http://127.0.0.1:8080/execution/');
    expect(spec.env.AIRFLOW_HOME).toBe('/tmp/airflow');
    expect(bwrap).toContain('--unshare-net');
  });

  it('el token va en un archivo de su /tmp, nunca en la línea de órdenes', () => {
    expect(spec.argv).toEqual([
      '/opt/venv/bin/python',
      '-I',
      '-B',
      '/opt/cauce/relay.py',
      '-m',
      'airflow.sdk.execution_time.execute_workload',
      '--json-path',
      '/tmp/workload.json',
    ]);
  });
});
