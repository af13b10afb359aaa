import type { SandboxSpec } from '../command';
import { pickProcessLimits, type AirflowTaskLimits } from '@/lib/limits';
import type { SlotNetwork } from '../network';
import { PYTHON_BASE_ENV, pythonReadOnlyBinds, VENV } from './airflow-worker';
import type { AirflowTaskRuntime } from './airflow-task';

/** Inside path of lab/airflow/executor/cauce_parse_child.py. */
const CHILD = '/opt/cauce/cauce_parse_child.py';

export interface AirflowParseSpecInput {
  uid: number;
  limits: AirflowTaskLimits;
  runtime: AirflowTaskRuntime;
  /** lab/airflow/executor/cauce_parse_child.py on the host (bound read-only). */
  childScript: string;
  /** The slot's private /tmp (AIRFLOW_HOME). */
  tmp: string;
  /** The lab's DAG folder (the bundle's path; only `studentFolder` inside it is bound). */
  dagsDir: string;
  /** `<dagsDir>/cauce_<student>`: bound read-only at its real path, so file paths match the dag-processor's. */
  studentFolder: string;
  /** Parsing reaches nothing: Variables and Connections come over the dag-processor's channel. */
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

/**
 * The airflow-parse kind: the dag-processor's per-file child, which imports a DAG file sent
 * with "Enviar al scheduler" (running its top-level code) and sends the serialized DAGs back.
 * Its stdin, stdout and stderr are the dag-processor's own channel sockets, handed over by the
 * launcher; nothing else of the lab's is here: no keys, no metadata DB, no other student's
 * folder, no network.
 */
export function airflowParseSandboxSpec(input: AirflowParseSpecInput): SandboxSpec {
  const { limits, runtime } = input;
  const env: Record<string, string> = {
    ...PYTHON_BASE_ENV,
    AIRFLOW__CORE__DAGS_FOLDER: input.dagsDir,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    // Never opened (the child only talks to the dag-processor), but settings build an engine at import.
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////tmp/airflow/airflow.db',
    AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH: '20',
    CAUCE_RUN_DIR: '/tmp/run',
  };
  return {
    uid: input.uid,
    rlimits: pickProcessLimits(limits),
    systemArgs: runtime.systemArgs,
    readOnly: [...pythonReadOnlyBinds(runtime), [input.childScript, CHILD]],
    writable: [[input.tmp, '/tmp']],
    nested: [{ host: input.studentFolder, inside: input.studentFolder, writable: false }],
    env,
    cwd: '/tmp',
    argv: [`${VENV}/bin/python`, '-I', '-B', CHILD],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
