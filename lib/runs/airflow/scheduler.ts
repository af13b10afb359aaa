import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { studentSlug } from '@/lab/kafka/credentials';
import { AirflowApi, SchedulerError, schedulerTargetFromEnv, type SchedulerTarget } from '@/lib/lab/airflow-api';
import { SCHEDULER_PICKUP_MS } from '@/lib/limits';
import { validateDagFiles } from './messages';

export interface SendToSchedulerInput {
  /** Whose DAG it is: names the subfolder and prefixes the DAG id ("ana" -> "ana__test_plugin"). */
  student: string;
  /** Every file of the example; the first is the DAG file. */
  files: { name: string; content: string }[];
}

export interface SentDag {
  dagId: string;
  dagRunId: string;
  /** The run in the Airflow UI. */
  url: string;
}

export interface SendOptions {
  /** How long to wait for the dag-processor to list the DAG. @default SCHEDULER_PICKUP_MS (90 s) */
  pickupTimeoutMs?: number;
}

/** A student id that is safe as a folder name and a DAG id prefix: the same slug as their Kafka prefix. */
export function studentNamespace(student: string): string {
  try {
    return studentSlug(student);
  } catch {
    throw new SchedulerError('Falta un identificador de alumno válido para enviar el DAG.');
  }
}

const DAG_ID = /\bdag_id\s*=\s*(["'])([A-Za-z0-9_.-]+)\1/g;

/**
 * Prefixes every `dag_id="x"` with the student's namespace, so two students' DAGs never
 * collide in the shared scheduler. Returns the rewritten files and the new ids.
 */
export function namespaceDagIds(files: SendToSchedulerInput['files'], namespace: string) {
  const dagIds: string[] = [];
  const rewritten = files.map((file) => ({
    name: file.name,
    content: file.content.replace(DAG_ID, (_whole, quote: string, id: string) => {
      const prefixed = id.startsWith(`${namespace}__`) ? id : `${namespace}__${id}`;
      dagIds.push(prefixed);
      return `dag_id=${quote}${prefixed}${quote}`;
    }),
  }));
  return { files: rewritten, dagIds };
}

// The files live in a subfolder, which is not on sys.path: the DAG's own folder is added so
// `from tar_gz_operator import TarGzOperator` works as in the lesson. One line, so the
// student's line numbers shift by exactly one in Airflow's messages.
const SYS_PATH_LINE = 'import os as _o, sys as _s; _s.path.insert(0, _o.path.dirname(_o.path.abspath(__file__)))  # Cauce\n';

/**
 * Copies the DAG files into `<dagsDir>/cauce_<student>/`, waits until the dag-processor has
 * parsed them, unpauses the DAG and triggers a run through the REST API. Resolves with the
 * run's URL in the Airflow UI. Throws {@link SchedulerError} with a Spanish message.
 */
export async function sendToScheduler(input: SendToSchedulerInput, target: SchedulerTarget = schedulerTargetFromEnv(), options: SendOptions = {}): Promise<SentDag> {
  const invalid = validateDagFiles(input.files);
  if (invalid) throw new SchedulerError(invalid);
  const namespace = studentNamespace(input.student);
  const { files, dagIds } = namespaceDagIds(input.files, namespace);
  const dagId = dagIds[0];
  if (!dagId) {
    throw new SchedulerError('No se encontró `dag_id="..."` en tus archivos: el scheduler necesita un DAG con un identificador explícito.');
  }

  const folder = path.join(target.dagsDir, `cauce_${namespace}`);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true, mode: 0o755 });
  await chmod(folder, 0o755);
  for (const [index, file] of files.entries()) {
    const content = index === 0 ? SYS_PATH_LINE + file.content : file.content;
    await writeFile(path.join(folder, file.name), content, { mode: 0o644 });
  }

  const api = new AirflowApi(target);
  const deadline = Date.now() + (options.pickupTimeoutMs ?? SCHEDULER_PICKUP_MS);
  await waitForDag(api, dagId, path.join(folder, files[0]!.name), deadline);
  await api.request('PATCH', `/api/v2/dags/${encodeURIComponent(dagId)}`, { is_paused: false });
  const run = await triggerDagRun(api, dagId, deadline);
  return {
    dagId,
    dagRunId: run.dag_run_id,
    url: `${target.uiUrl.replace(/\/$/, '')}/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(run.dag_run_id)}`,
  };
}

export interface DagRunStatus {
  /** queued, running, success, failed. */
  state: string;
  tasks: { taskId: string; state: string | null }[];
  ended: boolean;
}

/** The current state of a run sent with {@link sendToScheduler}, with its tasks. */
export async function pollDagRun(dagId: string, dagRunId: string, target: SchedulerTarget = schedulerTargetFromEnv()): Promise<DagRunStatus> {
  const api = new AirflowApi(target);
  const base = `/api/v2/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}`;
  const run = (await api.request('GET', base)) as { state: string };
  const instances = (await api.request('GET', `${base}/taskInstances`)) as { task_instances: { task_id: string; state: string | null }[] };
  return {
    state: run.state,
    tasks: instances.task_instances.map((ti) => ({ taskId: ti.task_id, state: ti.state })),
    ended: run.state === 'success' || run.state === 'failed',
  };
}

/** Removes a student's folder from the DAG folder (their DAGs disappear from Airflow). */
export async function removeStudentDags(student: string, target: SchedulerTarget = schedulerTargetFromEnv()): Promise<void> {
  await rm(path.join(target.dagsDir, `cauce_${studentNamespace(student)}`), { recursive: true, force: true });
}

/** Lists the namespaced DAG folders (for instructors). */
export async function studentDagFolders(target: SchedulerTarget = schedulerTargetFromEnv()): Promise<string[]> {
  const entries = await readdir(target.dagsDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && e.name.startsWith('cauce_')).map((e) => e.name.slice('cauce_'.length));
}

/**
 * Until the dag-processor has parsed this send's file: a DAG row from an earlier send (a stale
 * one, its serialized DAG gone) answers GET at once while a run of it would still be refused.
 */
async function waitForDag(api: AirflowApi, dagId: string, fileloc: string, deadline: number): Promise<void> {
  const sentAt = Date.now();
  while (Date.now() < deadline) {
    const dag = (await api.request('GET', `/api/v2/dags/${encodeURIComponent(dagId)}`, undefined, [404])) as { is_stale?: boolean; last_parsed_time?: string | null } | undefined;
    // Airflow's clock is this machine's: a parse from before the files were written (1 s of slack) is the old one.
    if (dag && !dag.is_stale && Date.parse(dag.last_parsed_time ?? '') >= sentAt - 1_000) return;
    const errors = (await api.request('GET', '/api/v2/importErrors?limit=100', undefined)) as {
      import_errors: { filename: string; stack_trace: string; timestamp: string }[];
    };
    // Filenames are relative to the DAG bundle; an error older than this send is stale.
    const mine = errors.import_errors.find((e) => (e.filename === fileloc || fileloc.endsWith(`/${e.filename}`)) && Date.parse(e.timestamp) >= sentAt - 1_000);
    if (mine) {
      const last = mine.stack_trace.trim().split('\n').at(-1) ?? '';
      throw new SchedulerError(`Airflow no pudo cargar tu DAG: ${last}`);
    }
    await sleep(1_000);
  }
  throw notFoundInTime(dagId);
}

/** POST dagRuns, again while Airflow still says "not found" (its serialized DAG lands just after the DAG row). */
async function triggerDagRun(api: AirflowApi, dagId: string, deadline: number): Promise<{ dag_run_id: string }> {
  while (Date.now() < deadline) {
    const run = (await api.request('POST', `/api/v2/dags/${encodeURIComponent(dagId)}/dagRuns`, { logical_date: null }, [404])) as { dag_run_id: string } | undefined;
    if (run) return run;
    await sleep(1_000);
  }
  throw notFoundInTime(dagId);
}

function notFoundInTime(dagId: string): SchedulerError {
  return new SchedulerError(`El scheduler no encontró el DAG «${dagId}» a tiempo. Vuelve a intentarlo en un momento.`, { retriable: true });
}
