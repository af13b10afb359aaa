import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveRuntime } from '@/lib/sandbox/runtime';

const run = promisify(execFile);
const MB = 1024 * 1024;

/**
 * Limits of one warm DAG worker. They cover its whole life (warm-up included), except the
 * wall clock, which starts when the student's job is handed over.
 */
export interface DagWorkerLimits {
  /** Wall clock from job to result (reason `timeout`). @default 60_000 */
  wallMs: number;
  /** RLIMIT_CPU; the warm-up uses about 5 s of it. @default 60 */
  cpuSeconds: number;
  /** RLIMIT_AS in MB; an idle worker maps ~730 MB. @default 2048 */
  addressSpaceMb: number;
  /** RLIMIT_NPROC for the worker's uid (threads count; a worker uses 3–6). @default 64 */
  processes: number;
  /** @default 256 */
  openFiles: number;
  /** RLIMIT_FSIZE in MB (the metadata DB copy grows with the run). @default 32 */
  fileSizeMb: number;
  /** Protocol bytes read from the worker before it is killed (reason `output-limit`). @default 2_097_152 */
  outputBytes: number;
}

export const DEFAULT_DAG_WORKER_LIMITS: Readonly<DagWorkerLimits> = Object.freeze({
  wallMs: 60_000,
  cpuSeconds: 60,
  addressSpaceMb: 2048,
  processes: 64,
  openFiles: 256,
  fileSizeMb: 32,
  outputBytes: 2 * MB,
});

/** Host locations the worker sandbox binds, resolved once per server process. */
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
  /** Shared libraries and the few /etc files, from the kafka-ts sandbox. */
  systemArgs: string[];
}

/** `$CAUCE_AIRFLOW_INSTALL_DIR`, else `<cwd>/.lab/airflow` (the site runs from the repo root). */
export function airflowInstallDir(): string {
  return path.resolve(process.env.CAUCE_AIRFLOW_INSTALL_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), '.lab', 'airflow'));
}

export async function resolveDagWorkerRuntime(installDir = airflowInstallDir()): Promise<DagWorkerRuntime> {
  const venv = path.join(installDir, 'venv');
  const templateDir = path.join(installDir, 'template');
  const workerDir = path.resolve(process.env.CAUCE_AIRFLOW_WORKER_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'lab', 'airflow', 'worker'));
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
  return { venv, workerDir, templateDir, python: { host, inside }, stdlib, systemArgs: system.systemArgs };
}

/** Folder of one worker, a size-capped tmpfs mounted once per uid, bound at /tmp. */
export class DagWorkerDirs {
  private readonly mounted = new Map<number, Promise<void>>();

  constructor(
    /** @default '/run/cauce-airflow' */
    private readonly root = '/run/cauce-airflow',
    /** Room for the DB copy, Airflow's logs and what the DAG writes. @default 96 */
    private readonly tmpfsMb = 96,
  ) {}

  async prepare(uid: number): Promise<string> {
    const base = path.join(this.root, `uid-${uid}`);
    let mount = this.mounted.get(uid);
    if (!mount) {
      mount = this.mount(base);
      this.mounted.set(uid, mount);
    }
    await mount;
    const tmp = path.join(base, 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
    await chown(tmp, uid, uid);
    return tmp;
  }

  async clean(tmp: string): Promise<void> {
    await rm(tmp, { recursive: true, force: true });
  }

  private async mount(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(this.root, 0o755);
    const mounts = await readFile('/proc/self/mountinfo', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[4] === dir)) return;
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${this.tmpfsMb}m,mode=0755,nosuid,nodev,noexec`, 'cauce-airflow', dir]);
    } catch (error) {
      console.warn(`[airflow] could not mount a tmpfs at ${dir}; worker /tmp is not size-capped`, error);
    }
  }
}

/** Inside paths: fixed, so nothing a student sees names a server folder. */
const VENV = '/opt/venv';
const WORKER = '/opt/cauce/worker';
const TEMPLATE = '/opt/cauce/template';

/**
 * setpriv (uid) -> prlimit (rlimits) -> bwrap (namespaces, minimal read-only filesystem,
 * private /tmp, empty environment) -> the venv's Python running the worker. The same chain
 * as the kafka-ts sandbox, with Python and the Airflow venv instead of node and kafkajs.
 */
export function buildDagWorkerCommand(input: {
  uid: number;
  limits: DagWorkerLimits;
  runtime: DagWorkerRuntime;
  tmp: string;
  maxTasks: number;
}): { file: string; args: string[] } {
  const { uid, limits, runtime, tmp } = input;
  const env: Record<string, string> = {
    HOME: '/tmp',
    PATH: `${VENV}/bin:/usr/bin`,
    LANG: 'C.UTF-8',
    // getpass.getuser() must find a name: the sandbox uid has no passwd entry.
    USER: 'alumno',
    LOGNAME: 'alumno',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    AIRFLOW_HOME: '/tmp/airflow',
    AIRFLOW__CORE__DAGS_FOLDER: '/tmp/dags',
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////tmp/airflow/airflow.db',
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__LOGGING__BASE_LOG_FOLDER: '/tmp/airflow/logs',
    AIRFLOW__CORE__DAGBAG_IMPORT_ERROR_TRACEBACK_DEPTH: '20',
    CAUCE_RUN_DIR: '/tmp/run',
    CAUCE_TEMPLATE_DIR: TEMPLATE,
    CAUCE_MAX_TASKS: String(input.maxTasks),
  };
  const optional = ['/usr/share/zoneinfo'].filter((dir) => existsSync(/*turbopackIgnore: true*/ dir)).flatMap((dir) => ['--ro-bind', dir, dir]);
  const bwrap = [
    '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    // No --unshare-net: kept like kafka-ts (loopback only matters for future connectors).
    '--hostname', 'sandbox',
    '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv',
    ...runtime.systemArgs,
    '--ro-bind', runtime.python.host, runtime.python.inside,
    '--ro-bind', runtime.stdlib, runtime.stdlib,
    ...optional,
    '--ro-bind', runtime.venv, VENV,
    '--ro-bind', runtime.workerDir, WORKER,
    '--ro-bind', runtime.templateDir, TEMPLATE,
    '--bind', tmp, '/tmp',
    '--proc', '/proc',
    '--dev', '/dev',
    '--remount-ro', '/',
    '--remount-ro', '/dev',
    '--chdir', '/tmp',
    ...Object.entries(env).flatMap(([key, value]) => ['--setenv', key, value]),
  ];
  const prlimit = [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${limits.addressSpaceMb * MB}`,
    `--nproc=${limits.processes}`,
    `--nofile=${limits.openFiles}`,
    `--fsize=${limits.fileSizeMb * MB}`,
    '--core=0',
  ];
  const setpriv = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--no-new-privs'];
  return {
    file: '/usr/bin/setpriv',
    args: [...setpriv, '/usr/bin/prlimit', ...prlimit, '--', '/usr/bin/bwrap', ...bwrap, `${VENV}/bin/python`, '-I', '-B', '-u', `${WORKER}/cauce_dag_worker.py`],
  };
}
