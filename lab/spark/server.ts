import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { envVar } from '../../lib/env';
import { closedParent } from '../../lib/sandbox/runtime';
import { SANDBOX_UIDS } from '../../lib/sandbox/uids';
import { SparkStartError, SparkUnavailableError } from '../errors';
import { commandLine, isAlive, jdkTool, stopGroupOnNodeExit, terminateGroup, waitForPidExit } from '../kafka/process';
import { bindError, kafkaPort, portMessage, sparkPort, sparkPorts } from '../ports';
import { sparkCommand, type SparkServerInput } from './conf';
import { ensureGuardClasses, ensureSparkJars } from './download';
import { checkSpark, waitForPort } from './health';
import { jailArgs } from './jail';
import { sparkPaths, sparkPythonPaths, SPARK_SOURCE_DIR, type SparkPaths, type SparkPythonPaths } from './paths';
import { prepareSparkPython } from './python';
import type { ProgressListener } from '../kafka/download';

/** The server's main class: what a leftover's command line must name to be ours. */
const MAIN_CLASS = 'org.apache.spark.sql.connect.service.SparkConnectServer';

export interface SparkServerOptions {
  /** @default $CAUCE_SPARK_PORT or 15002 */
  readonly port?: number;
  /** State folder (local dirs, temp, logs, pid), the server uid's alone. @default `<lab root>/spark/server` */
  readonly stateDir?: string;
  /** @default `<lab root>/spark/libs` */
  readonly libsDir?: string;
  /**
   * Driver heap in MB. Measured (lab/spark/README.md): about 490 MB resident idle with 1024,
   * 10 streaming sessions fit; every session's plans and state live here. @default 1024
   */
  readonly heapMb?: number;
  /** local[N]: task threads for all sessions together, on this 2-core machine. @default 2 */
  readonly cores?: number;
  /**
   * The only kafka.bootstrap.servers a session may use: the lab broker's SASL listener.
   * @default $KAFKA_BROKERS, else 127.0.0.1:$CAUCE_KAFKA_PORT
   */
  readonly kafkaBootstrap?: string;
  /** The S3 store every session's s3a:// paths go to. @default $AWS_ENDPOINT_URL (none: AWS) */
  readonly s3Endpoint?: string;
  /**
   * Unprivileged uid the JVM runs as when the launcher is root: every student's plan runs in it,
   * so it must not be root and must not own anything but its state folder.
   * @default $CAUCE_SPARK_UID or 61910 (root only; otherwise the current user)
   */
  readonly uid?: number;
  /** @default 15000 */
  readonly stopGraceMs?: number;
  /** Receives the server's console lines. @default ignore */
  readonly onLog?: (line: string) => void;
}

export interface SparkExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
}

/**
 * The lab's one Spark Connect server, as a plain JVM: pyspark's jars plus the connectors and the
 * guard on the classpath, SparkSubmit running SparkConnectServer in local mode. A SupervisedService:
 * start, waitHealthy (a real client call), stop, 'exit'; a pid file lets a killed launcher's
 * leftover be found and stopped.
 */
export class SparkServer extends EventEmitter<{ exit: [SparkExit] }> {
  readonly displayName = 'Spark';
  readonly port: number;
  readonly paths: SparkPaths;
  readonly python: SparkPythonPaths;
  readonly uid: number | undefined;
  /** Last console lines, quoted when the server dies while starting. */
  readonly recentLines: string[] = [];
  private child: ChildProcess | undefined;
  private stopping = false;
  private guardDir: string | undefined;
  private logFile: WriteStream | undefined;

  constructor(private readonly options: SparkServerOptions = {}) {
    super();
    this.port = options.port ?? sparkPort();
    this.paths = sparkPaths(options.stateDir, options.libsDir);
    this.python = sparkPythonPaths();
    const root = process.getuid?.() === 0;
    this.uid = root ? (options.uid ?? envVar('CAUCE_SPARK_UID') ?? SANDBOX_UIDS.spark) : undefined;
  }

  /** `sc://127.0.0.1:<port>`: what a Spark Connect client passes to remote(). */
  get remote(): string {
    return `sc://127.0.0.1:${this.port}`;
  }

  get kafkaBootstrap(): string {
    return this.options.kafkaBootstrap ?? envVar('KAFKA_BROKERS')?.trim() ?? `127.0.0.1:${kafkaPort()}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /**
   * Everything before the first start, idempotent: pyspark's venv, the connector jars, the guard's
   * classes, the state folders (owned by the server's uid). Cheap once done.
   */
  async prepare(onProgress?: ProgressListener): Promise<void> {
    await prepareSparkPython(onProgress ? { onProgress } : {});
    await ensureSparkJars(this.paths, onProgress);
    this.guardDir = await ensureGuardClasses(this.paths, this.python);
    for (const dir of [this.paths.stateDir, this.paths.localDir, this.paths.tmpDir, this.paths.warehouseDir, this.paths.logsDir]) {
      mkdirSync(dir, { recursive: true });
    }
    chmodSync(this.paths.stateDir, 0o700);
    if (this.uid !== undefined) {
      // The jail binds these folders for the server's uid, which must be able to reach them.
      for (const dir of [this.paths.stateDir, this.python.venv, this.paths.libsDir]) {
        const closed = await closedParent(dir);
        if (closed) {
          throw new SparkStartError(
            `Spark corre con un usuario sin privilegios que no puede entrar en ${closed}. Usa una carpeta accesible o da paso a esa con «chmod o+x ${closed}».`,
          );
        }
      }
      await chownTree(this.paths.stateDir, this.uid);
    }
  }

  async start(): Promise<void> {
    if (this.pid) return;
    await this.killStale();
    if (!this.guardDir) await this.prepare();
    const taken = await bindError(this.port, '127.0.0.1');
    if (taken) throw new SparkStartError(portMessage(sparkPorts(this.port)[0]!, taken));
    this.stopping = false;
    this.recentLines.length = 0;
    const input: SparkServerInput = {
      port: this.port,
      paths: this.paths,
      python: this.python,
      guardDir: this.guardDir!,
      kafkaBootstrap: this.kafkaBootstrap,
      heapMb: this.options.heapMb ?? 1024,
      cores: this.options.cores ?? 2,
      ...((this.options.s3Endpoint ?? envVar('AWS_ENDPOINT_URL')) ? { s3Endpoint: this.options.s3Endpoint ?? envVar('AWS_ENDPOINT_URL') } : {}),
    };
    const command = [...sparkCommand(input, jdkTool('java'))];
    command.splice(1, 0, `-Dlog4j.configurationFile=${join(SPARK_SOURCE_DIR, 'log4j2.properties')}`);
    // A parent-death signal after the uid change (which clears it), as for Airflow: a killed
    // launcher takes the server with it.
    // As root: its own uid, inside the jail (jail.ts), which also gives that uid a name.
    const jailed = this.uid === undefined ? command : [...jailArgs({ paths: this.paths, python: this.python, sourceDir: SPARK_SOURCE_DIR, uid: this.uid }), ...command];
    const orphanGuard = ['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM', '--', ...jailed];
    const [file, args] =
      this.uid === undefined
        ? [orphanGuard[0]!, orphanGuard.slice(1)]
        : ['/usr/bin/setpriv', ['--reuid', String(this.uid), '--regid', String(this.uid), '--clear-groups', '--', ...orphanGuard]];
    this.logFile = createWriteStream(join(this.paths.logsDir, 'server.log'), { flags: 'a' });
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env() as NodeJS.ProcessEnv,
      cwd: this.paths.stateDir,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.logFile?.write(line + '\n');
        this.recentLines.push(line);
        if (this.recentLines.length > 40) this.recentLines.shift();
        this.options.onLog?.(`[spark] ${line}`);
      });
    }
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', (error) => reject(new SparkStartError(`No se pudo lanzar Java para Spark: ${error.message}`, { cause: error })));
    });
    const pid = child.pid;
    if (pid === undefined) throw new SparkStartError('Spark arrancó sin pid.');
    writeFileSync(this.paths.pidFile, `${pid}\n`);
    const releaseExitStop = stopGroupOnNodeExit(pid);
    child.once('exit', (code, signal) => {
      releaseExitStop();
      if (this.child === child) this.child = undefined;
      if (readPid(this.paths.pidFile) === pid) rmSync(this.paths.pidFile, { force: true });
      this.logFile?.end();
      this.emit('exit', { code, signal, expected: this.stopping });
    });
  }

  /** Nothing of the launcher's environment: no AWS_* or Kafka credentials reach the server. */
  private env(): Record<string, string> {
    // SPARK_LOCAL_IP: the driver's own address is loopback, not the machine's first interface.
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.paths.stateDir, LANG: 'C.UTF-8', SPARK_HOME: this.python.sparkHome, SPARK_LOCAL_IP: '127.0.0.1' };
  }

  /** Healthy once the port answers and a real client runs `spark.range(1).count()` through it. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const died = () => this.child === undefined;
    const open = await waitForPort(this.port, timeoutMs, died);
    if (!open) throw this.notHealthy('su puerto no llegó a abrirse');
    for (;;) {
      const health = await checkSpark(this.remote, Math.max(5_000, Math.min(60_000, deadline - Date.now())), { python: this.python });
      if (health.ok) return;
      if (died() || Date.now() >= deadline) throw this.notHealthy(health.error ?? 'no respondió');
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 1_000));
    }
  }

  private notHealthy(why: string): SparkUnavailableError {
    const tail = this.recentLines.filter((line) => /ERROR|Exception|Error:/.test(line)).slice(-8);
    return new SparkUnavailableError(`Spark Connect no arrancó (${why}).${tail.length ? ` Últimas líneas:\n${tail.join('\n')}` : ''}`);
  }

  /** SIGTERM (Spark stops its sessions and queries), SIGKILL after the grace period. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    this.stopping = true;
    const exited = new Promise<void>((resolvePromise) => this.child?.once('exit', () => resolvePromise()));
    await terminateGroup(pid, this.options.stopGraceMs ?? 15_000);
    await exited;
  }

  /** A server a killed launcher left running from this lab folder (the pid must really be it). */
  async killStale(): Promise<void> {
    const pid = readPid(this.paths.pidFile);
    if (pid === undefined) return;
    const cmd = commandLine(pid);
    if (isAlive(pid) && cmd?.includes(MAIN_CLASS) && cmd.includes(this.paths.localDir)) {
      this.options.onLog?.(`Deteniendo un Spark Connect anterior que seguía en marcha (pid ${pid})…`);
      await terminateGroup(pid, this.options.stopGraceMs ?? 15_000);
      await waitForPidExit(pid, 5_000);
    }
    rmSync(this.paths.pidFile, { force: true });
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** chown -R: the server's state belongs to the uid it runs as. */
function chownTree(dir: string, uid: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('chown', ['-R', `${uid}:${uid}`, dir], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolvePromise() : reject(new SparkStartError(`chown -R ${uid} ${dir} falló`))));
  });
}
