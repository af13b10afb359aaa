import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { envVar } from '../../lib/env';
import { BrokerStartError, LabError, PortInUseError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { isAlive, signalGroup, stopGroupOnNodeExit } from '../kafka/process';
import { airflowPort, airflowPorts, firstUnavailablePort } from '../ports';
import { checkAirflow } from './health';
import { airflowCliEnv, prepareAirflow } from './install';
import { airflowPaths, lockHash, type AirflowPaths } from './paths';
import { ADMIN_USER, ensureSecrets, type AirflowSecrets } from './secrets';
import { SANDBOX_UIDS } from '@/lib/sandbox/uids';

export interface AirflowServerOptions {
  /** api-server port (UI + REST). @default $CAUCE_AIRFLOW_PORT or 8080 */
  readonly port?: number;
  /** Interface the api-server listens on. @default $CAUCE_AIRFLOW_HOST or 127.0.0.1 */
  readonly host?: string;
  /** State folder (secrets, pids) with AIRFLOW_HOME in `home/`. @default `<lab root>/airflow` */
  readonly stateDir?: string;
  /**
   * Unprivileged uid the components run as when the launcher is root. They hold the lab's
   * keys; no student code runs in them (tasks and DAG file parsing run in the site's
   * sandboxes), but they are still not root. @default $CAUCE_AIRFLOW_UID or 61900 (root
   * only; otherwise the current user)
   */
  readonly uid?: number;
  /** Time between SIGTERM and SIGKILL in stop(). @default 15000 */
  readonly stopGraceMs?: number;
  /** Receives every component's console lines, prefixed with its name. @default ignore */
  readonly onLog?: (line: string) => void;
}

/** The four Airflow 3 processes the lab runs (tasks run in sandboxes the site launches). */
export const COMPONENTS = ['api-server', 'scheduler', 'dag-processor', 'triggerer'] as const;

/**
 * Scheduler and triggerer would each start a log server on every interface (Airflow 3.3.2's
 * serve_logs() has no host setting). Everything runs on this machine, where the api-server
 * reads task logs straight from AIRFLOW_HOME, so they are not started: the lab listens on
 * loopback only.
 */
const LOG_SERVER_OFF: Record<Component, string[]> = {
  'api-server': [],
  scheduler: ['--skip-serve-logs'],
  'dag-processor': [],
  triggerer: ['--skip-serve-logs'],
};
export type Component = (typeof COMPONENTS)[number];

export interface AirflowExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
  /** Which component ended first (the others are then stopped). */
  readonly component: Component;
}

/**
 * The one owner of the embedded Airflow's lifecycle: prepare (install, secrets, migrate),
 * start the four components, waitHealthy, stop. The components live and die together:
 * when one ends unexpectedly the others are stopped and 'exit' is emitted once, so the
 * lab Supervisor restarts Airflow as a whole, exactly as it restarts Kafka.
 */
export class AirflowServer extends EventEmitter<{ exit: [AirflowExit] }> {
  readonly displayName = 'Airflow';
  readonly port: number;
  readonly host: string;
  readonly paths: AirflowPaths;
  private readonly options: AirflowServerOptions;
  private readonly children = new Map<Component, ChildProcess>();
  /** Process groups started since the last stop() (one per component, leader may be gone). */
  private readonly groups = new Set<number>();
  private secrets: AirflowSecrets | undefined;
  private stopping = false;
  private exitEmitted = false;
  private logFile: WriteStream | undefined;
  private readonly recentLines: string[] = [];

  constructor(options: AirflowServerOptions = {}) {
    super();
    this.options = options;
    this.port = options.port ?? airflowPort();
    this.host = options.host ?? envVar('CAUCE_AIRFLOW_HOST') ?? '127.0.0.1';
    this.paths = airflowPaths(options.stateDir);
    this.uid = process.getuid?.() === 0 ? (options.uid ?? envVar('CAUCE_AIRFLOW_UID') ?? SANDBOX_UIDS.airflow) : undefined;
  }

  /** The uid the components run as (undefined: the launcher's own). */
  readonly uid: number | undefined;

  /** Base URL of the REST API and the UI. */
  get apiUrl(): string {
    return `http://${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${this.port}`;
  }

  /** Admin credentials (after prepare()). */
  get credentials(): { username: string; password: string } {
    if (!this.secrets) throw new LabError('Airflow no está preparado todavía.');
    return { username: ADMIN_USER, password: this.secrets.adminPassword };
  }

  /**
   * Installs Airflow if needed, creates the secrets (first start) and migrates the metadata
   * DB when the installed version changed. A new DB starts as a copy of the template, which
   * is already migrated.
   */
  async prepare(onProgress?: ProgressListener): Promise<{ installed: boolean; credentialsCreated: boolean }> {
    const { paths } = this;
    const { installed } = await prepareAirflow({ paths, ...(onProgress ? { onProgress } : {}) });
    for (const dir of [paths.home, paths.dagsDir, paths.logsDir]) mkdirSync(dir, { recursive: true });
    if (this.uid !== undefined) ensureTraversable(paths.home);
    const { secrets, created } = ensureSecrets(paths.secretsFile, paths.passwordsFile);
    this.secrets = secrets;
    const db = join(paths.home, 'airflow.db');
    const migratedMarker = join(paths.home, 'migrated');
    const wanted = lockHash(paths);
    if (!existsSync(db)) copyFileSync(paths.templateDb, db);
    else if (!existsSync(migratedMarker) || readFileSync(migratedMarker, 'utf8').trim() !== wanted) {
      onProgress?.({ fraction: 1, message: 'Migrando la base de datos de Airflow…' });
      await this.cli(['db', 'migrate']);
    }
    writeFileSync(migratedMarker, `${wanted}\n`);
    if (this.uid !== undefined) await chownTree(paths.home, this.uid);
    return { installed, credentialsCreated: created };
  }

  /** Spawns the four components. Resolves once spawned; waitHealthy() says when they serve. */
  async start(): Promise<void> {
    if (this.children.size > 0) return;
    if (!this.secrets) await this.prepare();
    await this.killStale();
    const blocked = await firstUnavailablePort(airflowPorts(this.port, this.host));
    if (blocked) throw new PortInUseError(blocked);
    this.stopping = false;
    this.exitEmitted = false;
    this.recentLines.length = 0;
    this.logFile = createWriteStream(join(this.paths.logsDir, 'lab.log'), { flags: 'a' });
    for (const component of COMPONENTS) this.spawnComponent(component);
    writeFileSync(this.paths.pidFile, [...this.children.values()].map((c) => c.pid).join('\n') + '\n');
  }

  /** Resolves when /api/v2/monitor/health reports every component healthy. */
  async waitHealthy(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (this.children.size < COMPONENTS.length) {
        throw new BrokerStartError(`Airflow terminó durante el arranque. Mira ${join(this.paths.logsDir, 'lab.log')}.\n${this.recentLines.slice(-15).join('\n')}`);
      }
      const health = await checkAirflow(this.apiUrl, 2_000);
      if (health.ok) return;
      lastError = health.error ?? '';
      await sleep(500);
    }
    throw new LabError(`Airflow no estuvo disponible en ${timeoutMs / 1000} s. ${lastError}`, { retriable: true });
  }

  /**
   * SIGTERM to every component's process group, SIGKILL after the grace period. Groups, not
   * pids: a scheduler killed by a signal leaves its LocalExecutor workers and log server
   * behind, still holding ports, and they must go too.
   */
  async stop(graceMs = this.options.stopGraceMs ?? 15_000): Promise<void> {
    this.stopping = true;
    const grace = graceMs;
    await Promise.all([...this.groups].map((pgid) => terminateWholeGroup(pgid, grace)));
    this.groups.clear();
    rmSync(this.paths.pidFile, { force: true });
    this.logFile?.end();
    this.logFile = undefined;
  }

  /** The environment every component (and the CLI) runs with. */
  env(): Record<string, string> {
    const secrets = this.secrets;
    if (!secrets) throw new LabError('Airflow no está preparado todavía.');
    const { paths } = this;
    return {
      ...airflowCliEnv(paths.home, `sqlite:///${join(paths.home, 'airflow.db')}`),
      // The lab uid has no passwd entry: Airflow asks getpass for a name, and HOME must be writable.
      HOME: paths.home,
      USER: 'cauce-airflow',
      LOGNAME: 'cauce-airflow',
      AIRFLOW__CORE__DAGS_FOLDER: paths.dagsDir,
      // The lessons' DAGs write under $CAUCE_RUN_DIR (in the warm sandbox it is a private /tmp/run).
      CAUCE_RUN_DIR: join(paths.home, 'runs'),
      AIRFLOW__LOGGING__BASE_LOG_FOLDER: paths.logsDir,
      // LocalExecutor's queue and workers, but each task runs in Cauce's sandbox, launched by
      // the site over this socket (lab/airflow/executor/cauce_executor.py): never in the
      // scheduler's processes, which hold the keys below.
      AIRFLOW__CORE__EXECUTOR: 'cauce_executor.CauceSandboxExecutor',
      PYTHONPATH: paths.executorDir,
      CAUCE_TASK_LAUNCHER_SOCKET: paths.taskLauncherSocket,
      // A lab on a small machine: few task processes and one API worker (the default is 4).
      AIRFLOW__CORE__PARALLELISM: '4',
      AIRFLOW__API__WORKERS: '1',
      AIRFLOW__API__HOST: this.host,
      AIRFLOW__API__PORT: String(this.port),
      AIRFLOW__API__BASE_URL: `http://localhost:${this.port}`,
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${this.port}/execution/`,
      AIRFLOW__API_AUTH__JWT_SECRET: secrets.jwtSecret,
      AIRFLOW__API__SECRET_KEY: secrets.apiSecretKey,
      AIRFLOW__CORE__FERNET_KEY: secrets.fernetKey,
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: `${ADMIN_USER}:admin`,
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: paths.passwordsFile,
      // "Enviar al scheduler" waits for the dag-processor: look for new files every 5 s, not 5 min.
      AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: '5',
      // Each parse is a fresh sandboxed Python (a few CPU seconds): re-read an unchanged file
      // every 10 min, not every 30 s. A changed file is still parsed at once (Airflow queues
      // files modified since their last parse first: file_parsing_sort_mode=modified_time).
      AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: '600',
      // The log servers are off (LOG_SERVER_OFF); their ports are still derived from ours, away
      // from the fixed 8793/8794, in case a component starts one anyway.
      AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT: String(this.port + 1),
      AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT: String(this.port + 2),
    };
  }

  /**
   * dag-processor and triggerer start through lab/airflow/executor/cauce_components.py, which
   * installs Cauce's changes before Airflow's CLI: DAG files parsed in the sandbox, only
   * Airflow's own triggers. The others are Airflow's CLI as is.
   */
  private componentCommand(component: Component): string[] {
    if (component !== 'dag-processor' && component !== 'triggerer') return [this.paths.airflowBin, component];
    return [join(dirname(this.paths.airflowBin), 'python'), '-m', 'cauce_components', component];
  }

  private spawnComponent(component: Component): void {
    // A parent-death signal, so a killed launcher (or test runner) takes Airflow down with it.
    // It must be set after the uid change (which clears it): hence the inner setpriv.
    // SIGKILL: an orphaned scheduler catches SIGTERM and may never finish shutting down.
    const orphanGuard = ['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', ...this.componentCommand(component), ...LOG_SERVER_OFF[component]];
    const [file, args] =
      this.uid === undefined
        ? [orphanGuard[0]!, orphanGuard.slice(1)]
        : ['/usr/bin/setpriv', ['--reuid', String(this.uid), '--regid', String(this.uid), '--clear-groups', '--', ...orphanGuard]];
    const child = spawn(file, args, {
      // Own process group: Ctrl-C reaches only Node, which stops the components in order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env() as NodeJS.ProcessEnv,
      cwd: this.paths.home,
    });
    this.children.set(component, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        const tagged = `[${component}] ${line}`;
        this.logFile?.write(tagged + '\n');
        this.recentLines.push(tagged);
        if (this.recentLines.length > 60) this.recentLines.shift();
        this.options.onLog?.(tagged);
      });
    }
    const pid = child.pid;
    if (pid !== undefined) this.groups.add(pid);
    const releaseExitStop = pid === undefined ? () => undefined : stopGroupOnNodeExit(pid);
    child.once('error', () => undefined); // a failed spawn also emits 'exit'
    child.once('exit', (code, signal) => {
      releaseExitStop();
      this.children.delete(component);
      if (this.exitEmitted) return;
      this.exitEmitted = true;
      const expected = this.stopping;
      // One component gone means Airflow is broken: stop the rest, then report once.
      // Short grace: the rest is being torn down to restart, not to save work.
      void (expected ? Promise.resolve() : this.stop(5_000).then(() => (this.stopping = false))).then(() => this.emit('exit', { code, signal, expected, component }));
    });
  }

  /**
   * Stops components left by a launcher that was killed: same AIRFLOW_HOME in their environment.
   * start() does it; the launcher too, before it checks ports.
   */
  async killStale(): Promise<void> {
    if (!existsSync(this.paths.pidFile)) return;
    const pids = readFileSync(this.paths.pidFile, 'utf8')
      .split('\n')
      .map(Number)
      .filter((pid) => pid > 0);
    for (const pid of pids) {
      if (!groupAlive(pid) || !groupOwnsHome(pid, this.paths.home)) continue;
      this.options.onLog?.(`Deteniendo un Airflow anterior que seguía en marcha (pid ${pid})…`);
      await terminateWholeGroup(pid, this.options.stopGraceMs ?? 15_000);
    }
    rmSync(this.paths.pidFile, { force: true });
  }

  private cli(args: string[]): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(this.paths.airflowBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: this.env() as NodeJS.ProcessEnv });
      const tail: string[] = [];
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => tail.push(line) > 20 && tail.shift());
      }
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new LabError(`airflow ${args.join(' ')} falló:\n${tail.join('\n')}`))));
    });
  }
}

/**
 * The Airflow uid must be able to walk down to AIRFLOW_HOME. The state folder and the lab
 * root are ours (a test's mkdtemp makes them 0700): add traverse-only bits there; anything
 * further up that blocks is reported instead of changed.
 */
function ensureTraversable(home: string): void {
  const state = dirname(home);
  for (const dir of [state, dirname(state)]) {
    const mode = statSync(dir).mode & 0o777;
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o011);
  }
  for (let dir = dirname(dirname(state)); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new LabError(`Airflow corre con un usuario sin privilegios que no puede entrar en ${dir}. Usa otro CAUCE_LAB_DIR o da permiso de paso (chmod o+x).`);
    }
    if (dir === '/') return;
  }
}

/** True while any process of the group exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function terminateWholeGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  for (let i = 0; i < 50 && groupAlive(pgid); i++) await sleep(100);
}

/** chown -R: everything in AIRFLOW_HOME belongs to the uid Airflow runs as. */
function chownTree(dir: string, uid: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('chown', ['-R', `${uid}:${uid}`, dir], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new LabError(`chown -R ${uid} ${dir} falló`))));
  });
}

/** Pids are reused: only a group with a member running with our AIRFLOW_HOME is ours. */
function groupOwnsHome(pgid: number, home: string): boolean {
  if (isAlive(pgid) && ownsHome(pgid, home)) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid && ownsHome(Number(entry), home)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function ownsHome(pid: number, home: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`AIRFLOW_HOME=${home}`);
  } catch {
    return false;
  }
}
