import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { envVar } from '@/lib/env';
import type { SandboxSpec } from '../command';
import { MAX_PARALLEL_DAG_TASKS, pickProcessLimits, type DagWorkerLimits } from '@/lib/limits';
import type { SlotNetwork } from '../network';
import { resolveRuntime } from '../runtime';

const run = promisify(execFile);

/** Host locations the DAG worker sandbox binds, resolved once per server process. */
export interface DagWorkerRuntime {
  /** Project venv (bound read-only at /opt/venv). */
  venv: string;
  /** Tracked folder with cauce_dag_worker.py (bound at /opt/cauce/worker). */
  workerDir: string;
  /** Pre-migrated metadata DB folder (bound at /opt/cauce/template). */
  templateDir: string;
  /** Interpreter the venv points to, and where it must appear inside the sandbox. */
  python: { host: string; inside: string };
  /** The interpreter's standard library folder (same path inside). */
  stdlib: string;
  /** Shared libraries and the few /etc files, as for every kind. */
  systemArgs: string[];
}

/** `$CAUCE_AIRFLOW_INSTALL_DIR`, else `<cwd>/.lab/airflow` (the site runs from the repo root). */
export function airflowInstallDir(): string {
  return path.resolve(envVar('CAUCE_AIRFLOW_INSTALL_DIR') ?? path.join(/*turbopackIgnore: true*/ process.cwd(), '.lab', 'airflow'));
}

export async function resolveDagWorkerRuntime(installDir = airflowInstallDir()): Promise<DagWorkerRuntime> {
  const venv = path.join(installDir, 'venv');
  const templateDir = path.join(installDir, 'template');
  const workerDir = path.resolve(envVar('CAUCE_AIRFLOW_WORKER_DIR') ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'lab', 'airflow', 'worker'));
  for (const required of [path.join(venv, 'bin', 'python'), path.join(templateDir, 'airflow.db'), path.join(workerDir, 'cauce_dag_worker.py')]) {
    if (!existsSync(/*turbopackIgnore: true*/ required)) throw new Error(`Airflow lab not prepared: missing ${required} (run: npx tsx lab/cli.ts prepare-airflow)`);
  }
  // venv/bin/python is a symlink to the base interpreter (e.g. /usr/bin/python3); the venv
  // finds its stdlib from pyvenv.cfg's `home`, so the interpreter keeps that path inside.
  const link = path.join(venv, 'bin', 'python');
  const inside = path.resolve(path.dirname(link), await readlink(link));
  const host = await realpath(link);
  const { stdout } = await run(link, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])']);
  const stdlib = (await realpath(stdout.trim())).replace(/\/+$/, '');
  const system = await resolveRuntime();
  return { venv, workerDir, templateDir, python: { host, inside }, stdlib, systemArgs: [...system.systemArgs, ...(await shellArgs())] };
}

/**
 * BashOperator, `subprocess` and Airflow's example DAGs need a shell and the usual commands.
 * The sandbox (uid, namespaces, no network, one cgroup) is the boundary, not a ban on
 * processes, so /usr/bin is bound read-only (setuid bits are inert under no_new_privs) and
 * /bin recreated as the host has it.
 */
async function shellArgs(): Promise<string[]> {
  const args = ['--ro-bind', '/usr/bin', '/usr/bin'];
  const bin = await lstat('/bin').catch(() => null);
  if (bin?.isSymbolicLink()) args.push('--symlink', await readlink('/bin'), '/bin');
  else if (bin?.isDirectory()) args.push('--ro-bind', '/bin', '/bin');
  return args;
}

/** Inside paths: fixed, so nothing a student sees names a server folder. */
export const VENV = '/opt/venv';

/** What every Python kind's environment starts with (the DAG worker, a scheduler task). */
export const PYTHON_BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  HOME: '/tmp',
  PATH: `${VENV}/bin:/usr/bin:/bin`,
  LANG: 'C.UTF-8',
  // getpass.getuser() must find a name: the sandbox uid has no passwd entry.
  USER: 'alumno',
  LOGNAME: 'alumno',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONUNBUFFERED: '1',
  AIRFLOW_HOME: '/tmp/airflow',
});

/** The interpreter, its standard library, time zones and the venv, read-only (every Python kind). */
export function pythonReadOnlyBinds(runtime: Pick<DagWorkerRuntime, 'venv' | 'python' | 'stdlib'>): (readonly [string, string])[] {
  const zoneinfo = existsSync(/*turbopackIgnore: true*/ '/usr/share/zoneinfo') ? [['/usr/share/zoneinfo', '/usr/share/zoneinfo'] as const] : [];
  return [[runtime.python.host, runtime.python.inside], [runtime.stdlib, runtime.stdlib], ...zoneinfo, [runtime.venv, VENV]];
}
const WORKER = '/opt/cauce/worker';
const TEMPLATE = '/opt/cauce/template';

export interface DagWorkerSpecInput {
  uid: number;
  limits: DagWorkerLimits;
  runtime: DagWorkerRuntime;
  /** The slot's private /tmp. */
  tmp: string;
  maxTasks: number;
  /** A DAG run reaches nothing: an empty endpoint list's network. */
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

/** The airflow-dag kind: the venv's Python running one warm DAG worker, a zygote that forks a process per job. */
export function dagWorkerSandboxSpec(input: DagWorkerSpecInput): SandboxSpec {
  const { limits, runtime } = input;
  const env: Record<string, string> = {
    ...PYTHON_BASE_ENV,
    AIRFLOW__CORE__DAGS_FOLDER: '/tmp/dags',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////tmp/airflow/airflow.db',
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/tmp/airflow/logs',
    AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH: '20',
    CAUCE_RUN_DIR: '/tmp/run',
    CAUCE_SCRATCH_DIR: '/tmp', // the zygote restores it after each job
    CAUCE_TEMPLATE_DIR: TEMPLATE,
    CAUCE_MAX_TASKS: String(input.maxTasks),
    CAUCE_PARALLEL_TASKS: String(MAX_PARALLEL_DAG_TASKS),
  };
  return {
    uid: input.uid,
    rlimits: pickProcessLimits(limits),
    systemArgs: runtime.systemArgs,
    readOnly: [...pythonReadOnlyBinds(runtime), [runtime.workerDir, WORKER], [runtime.templateDir, TEMPLATE]],
    writable: [[input.tmp, '/tmp']],
    env,
    cwd: '/tmp',
    argv: [`${VENV}/bin/python`, '-I', '-B', '-u', `${WORKER}/cauce_dag_worker.py`],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
    // The worker speaks the protocol and is not dumpable; bwrap's init would be a dumpable
    // holder of the same stdout pipe, ptrace-able by a task (issue 8: forgeable results).
    asPid1: true,
  };
}
