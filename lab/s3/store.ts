import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LabError, PortInUseError, describeError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { commandLine, isAlive, stopGroupOnNodeExit, terminateGroup, waitForPidExit } from '../kafka/process';
import { firstUnavailablePort, s3Port, s3PortMap, s3Ports, type S3PortMap } from '../ports';
import { ensureWeedBinary } from './build';
import { s3Client, s3ErrorCode, type S3Credentials } from './client';
import { renderS3Config, weedServerArgs } from './config';
import { checkS3 } from './health';
import { s3Paths, type S3Paths } from './paths';
import { ensureS3Secrets } from './secrets';
import { LAB_BUCKET, SEAWEEDFS_LABEL } from './version';

/** The store could not be started, or did not become healthy in time. */
export class S3StoreError extends LabError {}

export interface S3StoreOptions {
  /** First port of the block of 8 (lab/ports.ts s3PortMap). @default $CAUCE_S3_PORT or 8333 */
  readonly port?: number;
  /** Data, logs, config, secrets, pid file. @default `<lab root>/s3` */
  readonly stateDir?: string;
  /** Where the built `weed` is kept, shared. @default `<repo>/.lab/bin` */
  readonly binDir?: string;
  /**
   * The Go runtime's soft memory limit (GOMEMLIMIT), in MB: the collector works harder near it
   * instead of letting the heap double. Idle RSS is far below (lab/s3/README.md). @default 256
   */
  readonly memoryLimitMb?: number;
  /** Every console line of `weed`. @default ignore (they are in `<state>/logs/weed.log`) */
  readonly onLog?: (line: string) => void;
}

/**
 * The one owner of the embedded S3 store's lifecycle (prepare, start, waitHealthy, stop), as
 * HadoopCluster is Hadoop's: one `weed server` process (master, volume server, filer and S3
 * gateway), its pid file so a killed launcher's leftover is found, 'exit' when it ends, so the
 * Supervisor restarts it. Data stays under `<state>/data` across restarts.
 */
export class S3Store extends EventEmitter<{ exit: [{ expected: boolean; code: number | null; signal: string | null }] }> {
  readonly displayName = 'El almacén S3';
  readonly paths: S3Paths;
  readonly ports: S3PortMap;
  private child: ChildProcess | undefined;
  private stopping = false;
  private log: WriteStream | undefined;
  /** Last console lines, quoted when the store dies while starting. */
  readonly recentLines: string[] = [];

  constructor(private readonly options: S3StoreOptions = {}) {
    super();
    this.paths = s3Paths(options.stateDir, options.binDir);
    this.ports = s3PortMap(options.port ?? s3Port());
  }

  /** The S3 API, for the site and (through their relay) the runs. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.ports.s3}`;
  }

  /** The filer's HTTP API: the students' identities are files under /etc/iam there. */
  get filerUrl(): string {
    return `http://127.0.0.1:${this.ports.filer}`;
  }

  /** The admin credential (created on the first prepare). */
  get admin(): S3Credentials {
    const secrets = ensureS3Secrets(this.paths.stateDir);
    return { accessKeyId: secrets.adminAccessKey, secretAccessKey: secrets.adminSecretKey };
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** The binary (Go, once per version), folders, the admin secret and the static config (every time). Returns whether it compiled. */
  async prepare(onProgress?: ProgressListener): Promise<{ built: boolean; seconds: number }> {
    const build = await ensureWeedBinary(this.paths, onProgress);
    for (const dir of [this.paths.metaDir, this.paths.volumeDir, this.paths.logsDir]) mkdirSync(dir, { recursive: true });
    const secrets = ensureS3Secrets(this.paths.stateDir);
    writeFileSync(this.paths.configFile, renderS3Config(secrets), { mode: 0o600 });
    return build;
  }

  async start(): Promise<void> {
    if (this.pid) return;
    await this.killStale();
    const blocked = await firstUnavailablePort(s3Ports(this.ports.s3));
    if (blocked) throw new PortInUseError(blocked);
    if (!existsSync(this.paths.binary) || !existsSync(this.paths.configFile))
      throw new S3StoreError('El almacén S3 no está preparado: falta el binario de SeaweedFS o su configuración (prepare()).');
    this.stopping = false;
    this.recentLines.length = 0;
    this.log = createWriteStream(`${this.paths.logsDir}/weed.log`, { flags: 'a' });
    // Nothing of the launcher's environment: AWS_ACCESS_KEY_ID there would become a second admin.
    const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: this.paths.stateDir, GOMEMLIMIT: `${this.options.memoryLimitMb ?? 256}MiB` };
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', this.paths.binary, ...weedServerArgs(this.paths, this.ports)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: this.paths.stateDir,
      env: env as NodeJS.ProcessEnv,
    });
    this.child = child;
    const log = this.log;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        this.recentLines.push(line);
        if (this.recentLines.length > 30) this.recentLines.shift();
        this.options.onLog?.(line);
      });
    }
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', (error) => reject(new S3StoreError(`No se pudo lanzar ${SEAWEEDFS_LABEL}: ${error.message}`, { cause: error })));
    });
    const pid = child.pid;
    if (pid === undefined) throw new S3StoreError('El almacén S3 arrancó sin pid.');
    writeFileSync(this.paths.pidFile, `${pid}\n`);
    const releaseExitStop = stopGroupOnNodeExit(pid);
    child.once('exit', (code, signal) => {
      releaseExitStop();
      if (this.child === child) this.child = undefined;
      if (readPid(this.paths.pidFile) === pid) rmSync(this.paths.pidFile, { force: true });
      log.end();
      this.emit('exit', { expected: this.stopping, code, signal });
    });
  }

  /**
   * The S3 API answers, the lab's bucket exists (created the first time, as the admin), and an
   * object can be written: "ready" means a student's first write does not wait for the master to
   * lead and grow the first volumes (~6 s on a new store, measured), which it would otherwise.
   */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.pid) throw new S3StoreError(`${SEAWEEDFS_LABEL} terminó al arrancar:\n${this.recentLines.slice(-8).join('\n')}`);
      const health = await checkS3(this.endpoint, { timeoutMs: 1_000 });
      if (health.ok) {
        try {
          await this.ensureBucket();
          await this.probeWrite();
          return;
        } catch (error) {
          // The filer may answer before the master has a writable volume: try again.
          last = describeError(error);
        }
      } else last = health.error ?? '';
      await sleep(250);
    }
    throw new S3StoreError(`El almacén S3 no estuvo disponible en ${timeoutMs / 1000} s. ${last}`);
  }

  /** `test-bucket`, created by the admin unless it exists. */
  async ensureBucket(bucket = LAB_BUCKET): Promise<void> {
    const client = s3Client(this.endpoint, this.admin);
    try {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (error) {
        if (s3ErrorCode(error) !== 'NotFound' && s3ErrorCode(error) !== 'NoSuchBucket') throw error;
      }
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
  }

  /** Writes (and replaces) one object larger than the filer's inline limit, so it lands on a volume. */
  private async probeWrite(): Promise<void> {
    const client = s3Client(this.endpoint, this.admin);
    try {
      await client.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: 'cauce-lab/salud.txt', Body: 'ok\n'.repeat(4096) }));
    } finally {
      client.destroy();
    }
  }

  /**
   * SIGTERM: the volume server and the filer close their files within a second; the master and
   * the S3 gateway then keep retrying each other instead of exiting (measured), so SIGKILL
   * follows after 5 s, when there is nothing left to lose.
   */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    this.stopping = true;
    const exited = new Promise<void>((resolvePromise) => this.child?.once('exit', () => resolvePromise()));
    await terminateGroup(pid, 5_000);
    await exited;
  }

  /** A store a killed launcher left running from this lab folder (the pid must really be it). */
  async killStale(): Promise<void> {
    const pid = readPid(this.paths.pidFile);
    if (pid === undefined) return;
    const cmd = commandLine(pid);
    if (isAlive(pid) && cmd?.includes(this.paths.binary) && cmd.includes(this.paths.configFile)) {
      this.options.onLog?.(`Deteniendo un almacén S3 anterior que seguía en marcha (pid ${pid})…`);
      await terminateGroup(pid, 10_000);
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
