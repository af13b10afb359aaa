import path from 'node:path';
import { z } from 'zod';

/**
 * The part of Airflow's `ExecuteTask` workload (airflow/executors/workloads/task.py, as
 * `model_dump_json()` sends it) the launcher reads. Loose: the launcher hands the original
 * JSON to the Task SDK unchanged, so fields it does not read pass through.
 */
export const TaskWorkload = z.looseObject({
  type: z.literal('ExecuteTask').describe('Only task tries run in the sandbox; callbacks are refused by the executor'),
  token: z.string().min(1).describe("The try's Execution API token (written to the sandbox's /tmp, never argv)"),
  dag_rel_path: z.string().min(1).describe('DAG file relative to the bundle, e.g. "cauce_ana/backup_dag.py"'),
  bundle_info: z.looseObject({ name: z.literal('dags-folder').describe("The lab's one bundle: its DAG folder") }),
  log_path: z.string().min(1).describe('Log file relative to the base log folder, "dag_id=…/run_id=…/task_id=…/attempt=N.log"'),
  ti: z.looseObject({
    id: z.string().describe('Task instance uuid'),
    dag_id: z.string().min(1),
    task_id: z.string().min(1),
    run_id: z.string().min(1),
    try_number: z.number().int(),
  }),
});
export type TaskWorkload = z.infer<typeof TaskWorkload>;

/** A workload the launcher will not run; the message goes to the scheduler's log. */
export class TaskRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskRefusedError';
  }
}

/** What a workload may touch, derived from it and checked: never trusted as sent. */
export interface TaskPlacement {
  /** The namespace of the student the DAG belongs to ("ana"). */
  student: string;
  /** `<dagsDir>/cauce_<student>`: the only DAG folder the sandbox sees. */
  studentFolder: string;
  /** `<logsDir>/<log_path>`: the only file the sandbox may write outside its /tmp. */
  logFile: string;
}

// Folders written by sendToScheduler (lib/runs/airflow/scheduler.ts): cauce_<studentNamespace()>.
const STUDENT_FOLDER = /^cauce_([a-z0-9_]{1,32})$/;

/**
 * Where a workload's DAG and log live, or {@link TaskRefusedError}: the DAG file must sit in
 * a student's folder, its DAG id must carry that student's prefix (so one student's folder
 * cannot run another's DAG), and its log file must lie in that DAG's `dag_id=` folder.
 */
export function placeWorkload(workload: TaskWorkload, dirs: { dagsDir: string; logsDir: string }): TaskPlacement {
  const rel = path.posix.normalize(workload.dag_rel_path);
  const [folder, ...rest] = rel.split('/');
  const student = STUDENT_FOLDER.exec(folder ?? '')?.[1];
  if (path.posix.isAbsolute(rel) || rel.startsWith('..') || !student || rest.length === 0) {
    throw new TaskRefusedError(`DAG file ${workload.dag_rel_path} is not inside a student's folder (cauce_<student>/)`);
  }
  if (!workload.ti.dag_id.startsWith(`${student}__`)) {
    throw new TaskRefusedError(`DAG ${workload.ti.dag_id} in ${folder}/ does not carry the prefix ${student}__`);
  }
  const dagLogs = path.join(dirs.logsDir, `dag_id=${workload.ti.dag_id}`);
  const logFile = path.join(dirs.logsDir, workload.log_path);
  if (!isBelow(dagLogs, logFile) || !logFile.endsWith('.log')) {
    throw new TaskRefusedError(`log file ${workload.log_path} is not inside dag_id=${workload.ti.dag_id}/`);
  }
  return { student, studentFolder: path.join(dirs.dagsDir, folder!), logFile };
}

/** True when `child` lies strictly below `parent` (both absolute). */
function isBelow(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
