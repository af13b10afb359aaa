import type { SandboxSpec } from '../command';
import { pickProcessLimits, type AirflowTaskLimits } from '@/lib/limits';
import type { SlotNetwork } from '../network';
import { PYTHON_BASE_ENV, pythonReadOnlyBinds, VENV, type DagWorkerRuntime } from './airflow-worker';

/** What an Airflow task needs of the DAG worker's runtime: the venv, its interpreter, the system binds. */
export type AirflowTaskRuntime = Pick<DagWorkerRuntime, 'venv' | 'python' | 'stdlib' | 'systemArgs'>;

/** Inside paths: fixed, so nothing a task sees names a server folder it does not need. */
const RELAY = '/opt/cauce/relay.py';
/** Where the launcher writes the workload (with its token) in the try's private /tmp: never argv. */
export const TASK_WORKLOAD_FILE = '/tmp/workload.json';

export interface AirflowTaskSpecInput {
  uid: number;
  limits: AirflowTaskLimits;
  runtime: AirflowTaskRuntime;
  /** lib/sandbox/relay/relay.py on the host (bound read-only). */
  relayScript: string;
  /** The slot's private /tmp (holds the workload file). */
  tmp: string;
  /** The lab's DAG folder (the bundle's path; only `studentFolder` inside it is bound). */
  dagsDir: string;
  /** `<dagsDir>/cauce_<student>`: bound read-only at its real path, so the bundle path resolves. */
  studentFolder: string;
  /** The lab's base log folder (the task writes below it). */
  logsDir: string;
  /** This try's log file, bound writable at its real path: the only thing the task can write outside /tmp. */
  logFile: string;
  /** The Execution API as the task reaches it inside its namespace (a relayed loopback address). */
  executionApiUrl: string;
  /** The API server's endpoint relayed in, nothing else. */
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

/**
 * The airflow-task kind: one task try of a DAG sent with "Enviar al scheduler", as the Task
 * SDK's `execute_workload` runs it in Celery or Kubernetes workers: the supervisor talks to
 * the Execution API with the try's token and forks the task runner. Nothing of the lab's is
 * here: no keys, no metadata DB, no other student's folder; AIRFLOW_HOME is a fresh /tmp.
 */
export function airflowTaskSandboxSpec(input: AirflowTaskSpecInput): SandboxSpec {
  const { limits, runtime } = input;
  const env: Record<string, string> = {
    ...PYTHON_BASE_ENV,
    AIRFLOW__CORE__DAGS_FOLDER: input.dagsDir,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: input.executionApiUrl,
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: input.logsDir,
    // Never opened (a task talks to the API), but Airflow's settings build an engine at import.
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////tmp/airflow/airflow.db',
    // The lessons' DAGs write under $CAUCE_RUN_DIR: here, the try's own /tmp.
    CAUCE_RUN_DIR: '/tmp/run',
  };
  return {
    uid: input.uid,
    rlimits: pickProcessLimits(limits),
    systemArgs: runtime.systemArgs,
    readOnly: [...pythonReadOnlyBinds(runtime), [input.relayScript, RELAY]],
    writable: [[input.tmp, '/tmp']],
    // After /tmp: the lab's folders may themselves be under /tmp (a test's state folder).
    nested: [
      { host: input.studentFolder, inside: input.studentFolder, writable: false },
      { host: input.logFile, inside: input.logFile, writable: true },
    ],
    env,
    cwd: '/tmp',
    argv: [`${VENV}/bin/python`, '-I', '-B', RELAY, '-m', 'airflow.sdk.execution_time.execute_workload', '--json-path', TASK_WORKLOAD_FILE],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
