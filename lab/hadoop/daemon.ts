import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { HadoopStartError } from '../errors';
import { commandLine, isAlive, stopGroupOnNodeExit, terminateGroup, waitForPidExit } from '../kafka/process';
import { javaBin, smallJvmFlags } from './jvm';
import type { HadoopPaths } from './paths';

/** The four daemons of the lab's cluster, as Ambari's dashboard names them. */
export type HadoopComponent = 'NameNode' | 'DataNode' | 'ResourceManager' | 'NodeManager';

export const MAIN_CLASS: Record<HadoopComponent, string> = {
  NameNode: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
  DataNode: 'org.apache.hadoop.hdfs.server.datanode.DataNode',
  ResourceManager: 'org.apache.hadoop.yarn.server.resourcemanager.ResourceManager',
  NodeManager: 'org.apache.hadoop.yarn.server.nodemanager.NodeManager',
};

/**
 * Heaps, in MB, measured on the lab (lab/hadoop/README.md has the RSS figures): enough for a
 * class's small files and jobs, small enough that the four stay near 1 GB resident together.
 */
export const DEFAULT_HEAP_MB: Record<HadoopComponent, number> = { NameNode: 160, DataNode: 96, ResourceManager: 160, NodeManager: 128 };

export interface DaemonExit {
  readonly component: HadoopComponent;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
}

/** JAVA_HOME for the NodeManager's containers (their launch script runs `$JAVA_HOME/bin/java`). */
export function javaHome(): string {
  const java = javaBin();
  const resolved = java.includes('/') ? java : spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
  return dirname(dirname(realpathSync(/*turbopackIgnore: true*/ resolved || '/usr/bin/java')));
}

/** The classpath every daemon and the lab's client calls use: configuration, empty web apps, jars. */
export function hadoopClasspath(paths: HadoopPaths): string {
  return `${paths.confDir}:${paths.webDir}:${paths.libsDir}/*`;
}

/** The environment of a Hadoop JVM: nothing of the launcher's but what Java and Hadoop need. */
export function hadoopEnv(paths: HadoopPaths, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    JAVA_HOME: javaHome(),
    HADOOP_CONF_DIR: paths.confDir,
    HADOOP_HOME: paths.stateDir,
    HOME: paths.stateDir,
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/**
 * One Hadoop daemon as a plain JVM: spawn from the lab's classpath, its own log file, a pid file
 * (so a killed launcher's leftover is found and stopped), 'exit' when the process ends.
 */
export class HadoopDaemon extends EventEmitter<{ exit: [DaemonExit] }> {
  private child: ChildProcess | undefined;
  private stopping = false;
  /** Last console lines (WARN and up), quoted when the daemon dies while starting. */
  readonly recentLines: string[] = [];

  constructor(
    readonly component: HadoopComponent,
    private readonly paths: HadoopPaths,
    private readonly options: { heapMb?: number; onLog?: (line: string) => void; stopGraceMs?: number } = {},
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  get pidFile(): string {
    return join(this.paths.stateDir, `${this.component.toLowerCase()}.pid`);
  }

  get logFile(): string {
    return join(this.paths.logsDir, `${this.component.toLowerCase()}.log`);
  }

  async start(): Promise<void> {
    if (this.pid) return;
    await this.killStale();
    this.stopping = false;
    this.recentLines.length = 0;
    const child = spawn(
      'setpriv',
      [
        '--pdeathsig',
        'SIGTERM',
        '--',
        javaBin(),
        ...smallJvmFlags(this.options.heapMb ?? DEFAULT_HEAP_MB[this.component]),
        `-Dproc_${this.component.toLowerCase()}`,
        `-Dhadoop.log.dir=${this.paths.logsDir}`,
        `-Dhadoop.log.file=${this.component.toLowerCase()}.log`,
        `-Dyarn.log.dir=${this.paths.logsDir}`,
        `-Dhadoop.home.dir=${this.paths.stateDir}`,
        `-Dlog4j.configuration=file:${join(this.paths.confDir, 'log4j.properties')}`,
        '-cp',
        hadoopClasspath(this.paths),
        MAIN_CLASS[this.component],
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: hadoopEnv(this.paths) as NodeJS.ProcessEnv, cwd: this.paths.stateDir },
    );
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.recentLines.push(line);
        if (this.recentLines.length > 30) this.recentLines.shift();
        this.options.onLog?.(`[${this.component}] ${line}`);
      });
    }
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', (error) => reject(new HadoopStartError(`No se pudo lanzar Java para ${this.component}: ${error.message}`, { cause: error })));
    });
    const pid = child.pid;
    if (pid === undefined) throw new HadoopStartError(`${this.component} arrancó sin pid.`);
    writeFileSync(this.pidFile, `${pid}\n`);
    const releaseExitStop = stopGroupOnNodeExit(pid);
    child.once('exit', (code, signal) => {
      releaseExitStop();
      if (this.child === child) this.child = undefined;
      if (readPid(this.pidFile) === pid) rmSync(this.pidFile, { force: true });
      this.emit('exit', { component: this.component, code, signal, expected: this.stopping });
    });
  }

  /** SIGTERM (Hadoop's shutdown hooks save state), SIGKILL after the grace period. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    this.stopping = true;
    const exited = new Promise<void>((resolvePromise) => this.child?.once('exit', () => resolvePromise()));
    await terminateGroup(pid, this.options.stopGraceMs ?? 15_000);
    await exited;
  }

  /** A daemon a killed launcher left running from this lab folder (the pid must really be it). */
  async killStale(): Promise<void> {
    const pid = readPid(this.pidFile);
    if (pid === undefined) return;
    const cmd = commandLine(pid);
    if (isAlive(pid) && cmd?.includes(MAIN_CLASS[this.component]) && cmd.includes(this.paths.confDir)) {
      this.options.onLog?.(`Deteniendo un ${this.component} anterior que seguía en marcha (pid ${pid})…`);
      await terminateGroup(pid, this.options.stopGraceMs ?? 15_000);
      await waitForPidExit(pid, 5_000);
    }
    rmSync(this.pidFile, { force: true });
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
