import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HadoopStartError, HadoopUnavailableError, PortInUseError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { firstUnavailablePort, hadoopPort, hadoopPortMap, hadoopPorts, type HadoopPortMap } from '../ports';
import { renderHadoopConfig } from './config';
import { DEFAULT_HEAP_MB, HadoopDaemon, hadoopClasspath, hadoopEnv, MAIN_CLASS, type DaemonExit, type HadoopComponent } from './daemon';
import { ensureHadoopJars } from './download';
import { checkHadoop, type HadoopEndpoints } from './health';
import { javaBin, smallJvmFlags } from './jvm';
import { hadoopPaths, type HadoopPaths } from './paths';
import { HADOOP_VERSION } from './version';
import { WebHdfs } from './webhdfs';

export interface HadoopClusterOptions {
  /** First port of the block of 14 (lab/ports.ts hadoopPortMap). @default $CAUCE_HADOOP_PORT or 9870 */
  readonly port?: number;
  /** Configuration, data, logs, pid files. @default `<lab root>/hadoop` */
  readonly stateDir?: string;
  /** Jars from Maven, shared. @default `<lab root>/hadoop/libs` */
  readonly libsDir?: string;
  /** Heap of each daemon in MB. @default DEFAULT_HEAP_MB (lab/hadoop/daemon.ts) */
  readonly heapMb?: Partial<Record<HadoopComponent, number>>;
  /** Every daemon's console lines (WARN and up), prefixed with its name. @default ignore */
  readonly onLog?: (line: string) => void;
}

/** The order the daemons start in: HDFS before YARN (MapReduce stages jobs in HDFS), each master before its workers. */
const START_ORDER: readonly HadoopComponent[] = ['NameNode', 'DataNode', 'ResourceManager', 'NodeManager'];

/**
 * The one owner of the embedded Hadoop's lifecycle (prepare, start, waitHealthy, stop), as
 * KafkaBroker is Kafka's: four JVMs (NameNode, DataNode, ResourceManager, NodeManager) from the
 * lab's classpath, treated as one service by the Supervisor: when any of them dies unexpectedly
 * 'exit' is emitted once, the supervisor stops the rest and starts all four again (data kept).
 */
export class HadoopCluster extends EventEmitter<{ exit: [{ expected: boolean; code: number | null; signal: string | null }] }> {
  readonly displayName = 'Hadoop';
  readonly paths: HadoopPaths;
  readonly ports: HadoopPortMap;
  /** HDFS's superuser: whoever runs the NameNode (the launcher's user). */
  readonly superuser = userInfo().username;
  readonly daemons: Record<HadoopComponent, HadoopDaemon>;
  private stopping = false;
  private exitReported = false;

  constructor(private readonly options: HadoopClusterOptions = {}) {
    super();
    this.paths = hadoopPaths(options.stateDir, options.libsDir);
    this.ports = hadoopPortMap(options.port ?? hadoopPort());
    const make = (component: HadoopComponent) => {
      const daemon = new HadoopDaemon(component, this.paths, {
        heapMb: options.heapMb?.[component] ?? DEFAULT_HEAP_MB[component],
        ...(options.onLog ? { onLog: options.onLog } : {}),
      });
      daemon.on('exit', (exit) => this.onDaemonExit(exit));
      return daemon;
    };
    this.daemons = { NameNode: make('NameNode'), DataNode: make('DataNode'), ResourceManager: make('ResourceManager'), NodeManager: make('NodeManager') };
  }

  get endpoints(): HadoopEndpoints {
    return { namenodeUrl: `http://127.0.0.1:${this.ports.namenodeHttp}`, resourcemanagerUrl: `http://127.0.0.1:${this.ports.resourcemanagerHttp}` };
  }

  /** fs.defaultFS */
  get defaultFs(): string {
    return `hdfs://127.0.0.1:${this.ports.namenodeRpc}`;
  }

  get webHdfs(): WebHdfs {
    return new WebHdfs(this.endpoints.namenodeUrl, this.superuser);
  }

  /** Pids of the running daemons (for the benchmark's RSS figures). */
  get pids(): Partial<Record<HadoopComponent, number>> {
    return Object.fromEntries(START_ORDER.flatMap((c) => (this.daemons[c].pid ? [[c, this.daemons[c].pid]] : [])));
  }

  /**
   * Jars (Maven, once), configuration (every time: ports may have moved), the web app folders,
   * and the NameNode's format the first time. Returns whether it formatted.
   */
  async prepare(onProgress?: ProgressListener): Promise<{ formatted: boolean }> {
    const { paths } = this;
    await ensureHadoopJars(paths, onProgress);
    for (const dir of [paths.confDir, paths.logsDir, paths.nmLocalDir, paths.nmLogDir]) mkdirSync(dir, { recursive: true });
    for (const [file, contents] of Object.entries(renderHadoopConfig(paths, this.ports, this.superuser))) writeFileSync(join(paths.confDir, file), contents);
    for (const app of ['hdfs', 'datanode', 'secondary', 'journal']) {
      const webInf = join(paths.webDir, 'webapps', app, 'WEB-INF');
      mkdirSync(webInf, { recursive: true });
      writeFileSync(join(webInf, 'web.xml'), '<?xml version="1.0"?>\n<web-app xmlns="http://java.sun.com/xml/ns/javaee" version="3.0"/>\n');
    }
    writeFileSync(join(paths.stateDir, 'version'), `${HADOOP_VERSION}\n`);
    if (existsSync(join(paths.nameDir, 'current', 'VERSION'))) return { formatted: false };
    onProgress?.({ fraction: 1, message: 'Formateando el NameNode de HDFS…' });
    await this.runJava(MAIN_CLASS.NameNode, ['-format', '-nonInteractive', '-clusterid', 'cauce-lab'], 'formatear el NameNode');
    return { formatted: true };
  }

  /**
   * Starts the four daemons in order. Each master is waited for before its workers: a NodeManager
   * started before its ResourceManager listens backs off and registers late.
   */
  async start(): Promise<void> {
    if (START_ORDER.every((c) => this.daemons[c].pid)) return;
    // After one daemon died (the supervisor's restart) the other three are still up: all four
    // start again from a clean state, so a DataNode never re-registers with a half-stopped master.
    await this.stop();
    await this.killStale();
    const blocked = await firstUnavailablePort(hadoopPorts(this.ports.namenodeHttp));
    if (blocked) throw new PortInUseError(blocked);
    this.stopping = false;
    this.exitReported = false;
    // NameNode and ResourceManager are independent: start both, then their workers once each answers.
    await Promise.all([this.daemons.NameNode.start(), this.daemons.ResourceManager.start()]);
    await Promise.all([
      this.waitFor('NameNode', () => fetch(`${this.endpoints.namenodeUrl}/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus`)).then(() => this.daemons.DataNode.start()),
      this.waitFor('ResourceManager', () => fetch(`${this.endpoints.resourcemanagerUrl}/ws/v1/cluster/info`)).then(() => this.daemons.NodeManager.start()),
    ]);
  }

  /** Every component started, HDFS out of safe mode, then the base folders (/tmp, /user). */
  async waitHealthy(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      this.throwIfDied();
      const health = await checkHadoop(this.endpoints, 2_000);
      if (health.ok) {
        await this.webHdfs.ensureBaseLayout();
        return;
      }
      last = health.error ?? '';
      await sleep(300);
    }
    throw new HadoopUnavailableError(`Hadoop no estuvo disponible en ${timeoutMs / 1000} s. ${last}`);
  }

  /** Stops workers before masters (a NodeManager outliving its ResourceManager retries for minutes). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.daemons.NodeManager.stop(), this.daemons.DataNode.stop()]);
    await Promise.all([this.daemons.ResourceManager.stop(), this.daemons.NameNode.stop()]);
  }

  /** What a killed launcher left running from this lab folder. */
  async killStale(): Promise<void> {
    await Promise.all(START_ORDER.map((c) => this.daemons[c].killStale()));
  }

  /** A daemon's end: an unexpected one is the cluster's, reported once per start to the supervisor. */
  private onDaemonExit(exit: DaemonExit): void {
    if (exit.expected || this.stopping || this.exitReported) return;
    this.exitReported = true;
    this.options.onLog?.(`${exit.component} terminó (${exit.signal ?? `código ${exit.code}`}).`);
    this.emit('exit', { expected: false, code: exit.code, signal: exit.signal ? `${exit.component}: ${exit.signal}` : null });
  }

  private throwIfDied(): void {
    for (const component of START_ORDER) {
      const daemon = this.daemons[component];
      if (!daemon.pid) throw new HadoopStartError(`${component} terminó durante el arranque. Mira ${daemon.logFile}.\n${daemon.recentLines.slice(-10).join('\n')}`);
    }
  }

  private async waitFor(component: HadoopComponent, probe: () => Promise<Response>, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const daemon = this.daemons[component];
      if (!daemon.pid) throw new HadoopStartError(`${component} terminó durante el arranque. Mira ${daemon.logFile}.\n${daemon.recentLines.slice(-10).join('\n')}`);
      if (
        await probe().then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(200);
    }
    throw new HadoopUnavailableError(`${component} no respondió en ${timeoutMs / 1000} s.`);
  }

  /** A one-off JVM of the lab's (the NameNode's format), failing with its last lines. */
  private runJava(mainClass: string, args: string[], what: string): Promise<void> {
    return runHadoopJava(this.paths, mainClass, args, { user: this.superuser }).then(({ code, output }) => {
      if (code !== 0) throw new HadoopStartError(`No se pudo ${what} (código ${code}):\n${output.split('\n').slice(-15).join('\n')}`);
    });
  }
}

export interface HadoopJavaOptions {
  /** Who HDFS and YARN see (HADOOP_USER_NAME: simple authentication trusts it). Trusted side only. */
  readonly user: string;
  /** @default 256 */
  readonly heapMb?: number;
  /** Each output line as it comes (a job's "map 40% reduce 0%"). */
  readonly onLine?: (line: string) => void;
  /** @default 600000 */
  readonly timeoutMs?: number;
  /** Only warnings and errors on the console (FsShell), not a job's INFO progress. @default false */
  readonly quiet?: boolean;
  /** Aborting kills the client (a stopped run's job client). @default never */
  readonly signal?: AbortSignal;
}

/**
 * A Hadoop client program run by the lab's trusted side (FsShell, fsck, RunJar of the examples
 * jar) against the cluster whose configuration is in `paths.confDir`, as `options.user`.
 * Resolves with its exit code and whole output; never runs student code.
 */
export function runHadoopJava(paths: HadoopPaths, mainClass: string, args: string[], options: HadoopJavaOptions): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      javaBin(),
      [
        ...smallJvmFlags(options.heapMb ?? 256),
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j.configuration=file:${join(paths.confDir, 'log4j.properties')}`,
        `-Dhadoop.root.logger=${options.quiet ? 'WARN' : 'INFO'},console`,
        `-Dhadoop.console.threshold=${options.quiet ? 'WARN' : 'INFO'}`,
        `-Dhadoop.log.dir=${paths.logsDir}`,
        '-Dhadoop.log.file=client.log',
        '-cp',
        hadoopClasspath(paths),
        mainClass,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: hadoopEnv(paths, { HADOOP_USER_NAME: options.user }) as NodeJS.ProcessEnv, cwd: paths.stateDir },
    );
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    const abort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort, { once: true });
    if (options.signal?.aborted) abort();
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      let partial = '';
      stream.on('data', (chunk: string) => {
        output += chunk;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine?.(line);
      });
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new HadoopStartError(`No se pudo lanzar Java: ${error.message}`, { cause: error }));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      resolvePromise({ code: code ?? 1, output });
    });
  });
}
