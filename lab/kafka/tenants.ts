import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { envVar } from '../../lib/env';
import { LabError } from '../errors';
import { studentAccess, type KafkaSasl, type StudentKafkaAccess } from './credentials';
import { quotaSpec } from './limits';
import { ensureKafkaClasses } from './policy';
import { jdkTool } from './process';

export interface TenantAdminOptions {
  /** Bootstrap servers of the cluster to administer. */
  readonly brokers: readonly string[];
  /** A super user's SCRAM-SHA-512 credential (the lab's admin). */
  readonly admin: KafkaSasl;
  /**
   * The lab's jars (the Java admin client). An external cluster needs them too (fetched once
   * by `npx tsx lab/cli.ts prepare` without KAFKA_BROKERS).
   * @default `$CAUCE_LAB_DIR/kafka/libs` when it exists, else `./.lab/kafka/libs`
   */
  readonly libsDir?: string;
  /** @default `./lab/kafka/TenantAdmin.java` */
  readonly javaSource?: string;
  /** @default `$JAVA_HOME/bin/java`, else `java` */
  readonly java?: string;
  /** How long one job may take (the first includes compiling and starting the JVM). @default 60000 */
  readonly timeoutMs?: number;
}

/** What a namespace reset removed. */
export interface ResetResult {
  readonly topics: string[];
  readonly groups: string[];
}

/** A Spanish failure of provisioning or resetting, for the site's messages. Retriable: the admin restarts. */
export class TenantAdminError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

interface Pending {
  resolve: (detail: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One owner for per-student Kafka principals: client quotas, SCRAM-SHA-512 credentials and
 * PREFIXED ACLs (lab/kafka/TenantAdmin.java, one long-lived JVM, since kafkajs cannot create
 * SCRAM credentials), and namespace resets. The quotas come from lab/kafka/limits.ts and are
 * plain Admin API calls, so they also hold on an external cluster the site administers.
 * Provisioning is cached per student for the life of this object, so only a student's first
 * run pays the round trip (and a server restart applies changed limits to everyone again).
 * Students provisioned at once (a class's first clicks) reach the broker in a few batches,
 * not one controller write each (the JVM's Provisioner says how).
 */
export class TenantAdmin {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly provisioned = new Map<string, Promise<StudentKafkaAccess>>();
  private readonly stderr: string[] = [];
  private nextId = 1;
  private batches = 0;

  constructor(private readonly options: TenantAdminOptions) {}

  /** The student's credential and prefix, creating the principal and ACLs the first time. */
  ensureStudent(student: string): Promise<StudentKafkaAccess> {
    const access = studentAccess(student, this.options.admin);
    const key = access.sasl.username;
    let done = this.provisioned.get(key);
    if (!done) {
      done = this.job(['provision', access.sasl.username, access.sasl.password, access.prefix]).then(() => access);
      // A failure is not cached: the next run tries again.
      done.catch(() => this.provisioned.delete(key));
      this.provisioned.set(key, done);
    }
    return done;
  }

  /**
   * The client quotas Kafka holds for the student's principal (describeClientQuotas), by
   * Kafka's key names, e.g. `{ producer_byte_rate: 1048576, ... }`. Empty before provisioning.
   */
  async studentQuotas(student: string): Promise<Record<string, number>> {
    const { sasl } = studentAccess(student, this.options.admin);
    const detail = await this.job(['quotas', sasl.username]);
    return Object.fromEntries(
      detail
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const [key = '', value = ''] = pair.split('=');
          return [key, Number(value)];
        }),
    );
  }

  /** Deletes the student's consumer groups and topics (everything under their prefix). */
  async resetStudent(student: string): Promise<ResetResult> {
    const { prefix } = studentAccess(student, this.options.admin);
    const detail = await this.job(['reset', prefix]);
    const list = (name: string) => (new RegExp(`${name}=(\\S*)`).exec(detail)?.[1] ?? '').split(',').filter(Boolean);
    return { topics: list('topics'), groups: list('groups') };
  }

  /**
   * How many batches of provisions the JVM has sent to the broker, counted from the answers
   * (`User:<user> batch=<n> size=<k>`) of the students who got their access. A batch is one
   * alterClientQuotas, one alterUserScramCredentials and one createAcls for all its students:
   * three controller writes, however many students. For specs and benches.
   */
  get provisionBatches(): number {
    return this.batches;
  }

  /** Starts the JVM now rather than on the first student's run. */
  warm(): Promise<void> {
    return this.start();
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    child?.stdin?.end();
    child?.kill('SIGTERM');
  }

  /** The running JVM, started (and compiled) on first need; a failed start is tried again next time. */
  private start(): Promise<void> {
    if (!this.ready) {
      const ready = this.launch();
      this.ready = ready;
      ready.catch(() => {
        if (this.ready === ready) this.ready = undefined;
      });
    }
    return this.ready;
  }

  /**
   * Compiled classes, not `java TenantAdmin.java`: launching from source keeps javac in the JVM
   * for its whole life (172 MB PSS against 99 MB compiled with the flags below, measured with
   * 30 provisions). Serial GC: one small heap, a few jobs at a time, no G1 regions to keep.
   * C2 stays on (unlike the broker's C1): each credential is 4,096 rounds of HMAC-SHA-512, and
   * C2's SHA-512 code does a class of 40 in 0.14-0.35 s of CPU and ~270 ms where C1 took
   * 0.43-0.47 s and ~590 ms, while that class's first runs wait for it (bench:provision; PSS
   * 105 against 95 MB after 121 students).
   */
  private async launch(): Promise<void> {
    const { options } = this;
    const projectLibs = path.join(/*turbopackIgnore: true*/ process.cwd(), '.lab', 'kafka', 'libs');
    const labDir = envVar('CAUCE_LAB_DIR');
    const labLibs = labDir ? path.join(labDir, 'kafka', 'libs') : projectLibs;
    const libsDir = options.libsDir ?? (existsSync(labLibs) ? labLibs : projectLibs);
    const source = options.javaSource ?? path.join(/*turbopackIgnore: true*/ process.cwd(), 'lab', 'kafka', 'TenantAdmin.java');
    const classes = await ensureKafkaClasses({
      libsDir,
      outRoot: path.join(path.dirname(libsDir), 'admin'),
      source,
      classFile: 'TenantAdmin.class',
      failure: (detail, cause) => new TenantAdminError(`No se pudo compilar el administrador de Kafka del laboratorio (${source}): ${detail}`, { cause }),
    });
    const java = options.java ?? jdkTool('java');
    const jvmFlags = ['-Xmx96m', '-Xss512k', '-XX:+UseSerialGC', '-XX:ReservedCodeCacheSize=32m'];
    // The admin credential goes through the environment, never argv (visible in ps).
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', java, ...jvmFlags, '-cp', `${libsDir}/*:${classes}`, 'TenantAdmin'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', // the JVM's own environment, not configuration
        KAFKA_BROKERS: options.brokers.join(','),
        KAFKA_ADMIN_USERNAME: options.admin.username,
        KAFKA_ADMIN_PASSWORD: options.admin.password,
        CAUCE_KAFKA_QUOTAS: quotaSpec(),
      } as Record<string, string> as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      // A batch's answers come out together, numbered from 1 by each JVM: a new number is a new batch.
      let lastBatch: string | undefined;
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === '- ready') return resolve();
        const [id, status, detail = ''] = line.split('\t');
        const batch = status === 'ok' ? /^User:\S+ batch=(\d+) size=\d+$/.exec(detail)?.[1] : undefined;
        if (batch !== undefined && batch !== lastBatch) {
          lastBatch = batch;
          this.batches += 1;
        }
        const job = id === undefined ? undefined : this.pending.get(id);
        if (!job) return;
        this.pending.delete(id!);
        clearTimeout(job.timer);
        if (status === 'ok') job.resolve(detail);
        else job.reject(new TenantAdminError(`Kafka rechazó la operación de administración: ${detail}`));
      });
      createInterface({ input: child.stderr! }).on('line', (line) => {
        this.stderr.push(line);
        if (this.stderr.length > 20) this.stderr.shift();
      });
      const fail = (reason: string) => {
        const error = new TenantAdminError(`El administrador de Kafka del laboratorio no está disponible (${reason}). ${this.stderr.slice(-5).join(' ')}`);
        reject(error);
        for (const [id, job] of this.pending) {
          clearTimeout(job.timer);
          job.reject(error);
          this.pending.delete(id);
        }
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
      };
      child.once('error', (error) => fail(error.message));
      child.once('exit', (code, signal) => fail(`terminó: ${signal ?? code}`));
    });
  }

  /** One protocol line's answer detail (protected: specs send lines the public methods never would). */
  protected async job(fields: string[]): Promise<string> {
    await this.start();
    const child = this.child;
    if (!child?.stdin) throw new TenantAdminError('El administrador de Kafka del laboratorio no está disponible.');
    const id = String(this.nextId++);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TenantAdminError('El administrador de Kafka del laboratorio no respondió a tiempo.'));
      }, this.options.timeoutMs ?? 60_000);
      this.pending.set(id, { resolve, reject, timer });
      child.stdin!.write(`${[id, ...fields].join('\t')}\n`);
    });
  }
}
