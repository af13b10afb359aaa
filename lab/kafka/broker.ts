import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerStartError, BrokerUnavailableError, PortInUseError } from '../errors';
import { renderServerProperties, type QuorumVoter } from './config';
import { ensureJars, type ProgressListener } from './download';
import { checkKafka } from './health';
import { kafkaPaths, type KafkaPaths } from './paths';
import { ensurePolicyClasses } from './policy';
import { firstUnavailablePort, kafkaPort, kafkaPorts } from '../ports';
import { commandLine, isAlive, jdkTool, stopGroupOnNodeExit, terminateGroup, waitForPidExit } from './process';
import { createSecrets, readSecrets, type KafkaSecrets } from './secrets';
import { formatStorageOnce, formattedClusterId } from './storage';
import type { KafkaSasl } from './credentials';
import { KAFKA_VERSION } from './version';

export interface KafkaBrokerOptions {
  /** Client port on 127.0.0.1; the controller takes port + 1. @default $CAUCE_KAFKA_PORT or 9092 */
  readonly port?: number;
  /** Data, logs, config and pid file. @default `<lab root>/kafka` ($CAUCE_LAB_DIR or .lab/) */
  readonly stateDir?: string;
  /** Jars fetched by Maven, shared between brokers. @default `<lab root>/kafka/libs` */
  readonly libsDir?: string;
  /** JVM heap. Small on purpose: a lab broker holds little, and the machine has a site too. @default 512 */
  readonly heapMb?: number;
  /** Time between SIGTERM and SIGKILL in stop(). @default 20000 */
  readonly stopGraceMs?: number;
  /** Receives the JVM's console lines (WARN and above, see log4j2.properties). @default ignore */
  readonly onLog?: (line: string) => void;
  /** @default `$JAVA_HOME/bin/java`, else `java` */
  readonly java?: string;
  /** One node of a multi-node cluster (tests start 3, see startTestCluster). @default the lab's one node */
  readonly cluster?: ClusterMembership;
}

/** What one node of a static-quorum cluster shares with the others. */
export interface ClusterMembership {
  /** This node's id, one of `voters`. */
  readonly nodeId: number;
  /** Every node, this one included (controller.quorum.voters). */
  readonly voters: readonly QuorumVoter[];
  /** The cluster id every node is formatted with. @default a new one (the first node's prepare() returns it) */
  readonly clusterId?: string;
  /**
   * The admin's SCRAM login and the controller password: nodes log in to each other with them,
   * so all share one set. @default this node's own (created by its first prepare())
   */
  readonly secrets?: KafkaSecrets;
}

/** Why the broker process ended. `expected` is true when stop() asked for it. */
export interface BrokerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly expected: boolean;
}

/**
 * The one owner of the embedded Kafka broker's lifecycle: prepare (jars, config,
 * storage), start, waitHealthy, stop. Emits 'exit' (BrokerExit) whenever the process
 * ends, so a Supervisor can bring it back.
 */
export class KafkaBroker extends EventEmitter<{ exit: [BrokerExit] }> {
  readonly displayName = 'Kafka';
  readonly port: number;
  readonly paths: KafkaPaths;
  private readonly options: KafkaBrokerOptions;
  private child: ChildProcess | undefined;
  private stopping = false;
  private secrets: KafkaSecrets | undefined;
  /** Compiled LabTopicPolicy (server.properties names it, so the broker needs it to start). */
  private policyClasses: string | undefined;
  /** Last console lines, quoted when the broker dies while starting. */
  private readonly recentLines: string[] = [];

  constructor(options: KafkaBrokerOptions = {}) {
    super();
    this.options = options;
    this.port = options.port ?? kafkaPort();
    this.paths = kafkaPaths(options.stateDir, options.libsDir);
  }

  /** `host:port` for clients (KAFKA_BROKERS of student runs). */
  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * The admin's SCRAM credential (a super user), for the site's server only: health checks,
   * provisioning students, resetting namespaces. Never for student runs. Known after prepare().
   */
  get adminSasl(): KafkaSasl {
    const secrets = this.secrets ?? this.options.cluster?.secrets ?? readSecrets(this.paths.stateDir);
    if (!secrets) throw new BrokerStartError('Kafka aún no está preparado: falta prepare().');
    return { mechanism: 'scram-sha-512', username: secrets.adminUser, password: secrets.adminPassword };
  }

  /** Pid of the running JVM, if any. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /**
   * Downloads jars if missing, compiles the topic policy if its source changed, creates the
   * broker's secrets once, writes server.properties (0600: it holds them), formats storage
   * once with the admin's SCRAM credential.
   */
  async prepare(onProgress?: ProgressListener): Promise<{ clusterId: string; formatted: boolean }> {
    const { paths } = this;
    await ensureJars({ pom: paths.pom, libsDir: paths.libsDir, ...(onProgress ? { onProgress } : {}) });
    await this.compilePolicy();
    mkdirSync(paths.logsDir, { recursive: true });
    const { cluster } = this.options;
    this.secrets = cluster?.secrets ?? readSecrets(paths.stateDir) ?? this.createSecretsMigratingOldData();
    const { adminUser, adminPassword, controllerPassword } = this.secrets;
    writeFileSync(
      paths.configFile,
      renderServerProperties({
        port: this.port,
        dataDir: paths.dataDir,
        security: { adminUser, adminPassword, controllerPassword },
        ...(cluster ? { nodeId: cluster.nodeId, voters: cluster.voters } : {}),
      }),
      { mode: 0o600 },
    );
    chmodSync(paths.configFile, 0o600);
    writeFileSync(join(paths.stateDir, 'version'), `${KAFKA_VERSION}\n`);
    return formatStorageOnce({
      java: this.java,
      classpath: this.classpath,
      configFile: paths.configFile,
      dataDir: paths.dataDir,
      jvmFlags: this.loggingFlags,
      scramUser: { name: adminUser, password: adminPassword },
      ...(cluster ? { quorum: 'static' as const, ...(cluster.clusterId ? { clusterId: cluster.clusterId } : {}) } : {}),
    });
  }

  /**
   * First prepare() with SASL. A data dir formatted by an older Cauce (open PLAINTEXT
   * listeners) has no admin credential and cannot get one without an open door, so it is
   * moved aside (not deleted) and formatted again: lab topics are practice data.
   */
  private createSecretsMigratingOldData(): KafkaSecrets {
    const { dataDir, stateDir } = this.paths;
    if (formattedClusterId(dataDir)) {
      const aside = `${dataDir}.sin-sasl-${Date.now()}`;
      renameSync(dataDir, aside);
      this.options.onLog?.(`Kafka ahora exige autenticación: los datos anteriores se movieron a ${aside} y se formatea de nuevo.`);
    }
    mkdirSync(stateDir, { recursive: true });
    return createSecrets(stateDir);
  }

  /** Spawns the JVM. Resolves once it is spawned; use waitHealthy() to know it serves. */
  async start(): Promise<void> {
    if (this.pid) return;
    await this.compilePolicy(); // a start without prepare() (data already there) needs it too
    await this.killStaleBroker();
    const blocked = await firstUnavailablePort(kafkaPorts(this.port));
    if (blocked) throw new PortInUseError(blocked);

    this.stopping = false;
    this.recentLines.length = 0;
    const heap = this.options.heapMb ?? 512;
    // setpriv execs java in place (same pid) with a parent-death signal: if the launcher is
    // killed outright (SIGKILL, a test runner tearing down), the JVM stops instead of lingering.
    const child = spawn(
      'setpriv',
      [
        '--pdeathsig',
        'SIGTERM',
        '--',
        this.java,
        `-Xms${Math.min(heap, 256)}m`,
        `-Xmx${heap}m`,
        // Not Kafka's launcher flags (G1, C2): they are for a broker with cores to itself. Here
        // one shares two cores with the site, Airflow and every run, and a class arrives at once
        // on a broker whose JIT has seen nothing: in a burst of 40 students C2 compiled for
        // ~0.35 of a core while producers queued, and G1's concurrent marking took more. The C1
        // compiler alone and the serial collector (as the tenant admin, lab/kafka/tenants.ts):
        // the broker's CPU in that burst 6.9 → 2.4 s, producer p95 6.0 → 4.4–5.0 s
        // (npm run bench:class, BENCH_SCENES=burst). A lab's messages are few and small.
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        // Die rather than limp on: the supervisor restarts a dead broker, not a sick one.
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        ...this.loggingFlags,
        '-cp',
        this.classpath,
        'kafka.Kafka',
        this.paths.configFile,
      ],
      {
        // Its own process group: Ctrl-C in the terminal reaches only Node, which then
        // stops the broker in order, and stop() can signal the whole group.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;

    // Always drain both pipes: a JVM blocked on a full pipe stops serving.
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.recentLines.push(line);
        if (this.recentLines.length > 40) this.recentLines.shift();
        this.options.onLog?.(line);
      });
    }

    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', (error) => reject(new BrokerStartError(`No se pudo lanzar Java (${this.java}): ${error.message}`, { cause: error })));
    });
    const pid = child.pid;
    if (pid === undefined) throw new BrokerStartError('Java arrancó sin pid.');
    writeFileSync(this.paths.pidFile, `${pid}\n`);

    const releaseExitStop = stopGroupOnNodeExit(pid);

    child.once('exit', (code, signal) => {
      releaseExitStop();
      if (this.child === child) this.child = undefined;
      if (readPid(this.paths.pidFile) === pid) rmSync(this.paths.pidFile, { force: true });
      this.emit('exit', { code, signal, expected: this.stopping });
    });
  }

  /**
   * Resolves once the broker answers a metadata request; rejects on timeout or when the
   * process dies first (with its last console lines in the message).
   */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (!this.pid) {
        throw new BrokerStartError(`Kafka terminó durante el arranque. Mira ${join(this.paths.logsDir, 'server.log')}.\n` + this.recentLines.slice(-15).join('\n'));
      }
      const health = await checkKafka([this.brokers], Math.min(2_000, Math.max(deadline - Date.now(), 100)), { sasl: this.adminSasl });
      if (health.ok) return;
      lastError = health.error ?? '';
      await sleep(250);
    }
    throw new BrokerUnavailableError(`Kafka no estuvo disponible en ${timeoutMs / 1000} s. ${lastError}`);
  }

  /** SIGTERM, then SIGKILL after the grace period. Resolves when the JVM is gone. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    this.stopping = true;
    const exited = new Promise<void>((resolvePromise) => this.child?.once('exit', () => resolvePromise()));
    await terminateGroup(pid, this.options.stopGraceMs ?? 20_000);
    await exited;
  }

  /**
   * A broker left by a previous launcher that was killed (kill -9 skips every cleanup)
   * still holds the ports and the data dir lock. Stop it, but only if the pid really is
   * our broker: pids are reused. start() does it; the launcher too, before it checks ports.
   */
  async killStaleBroker(): Promise<void> {
    const pid = readPid(this.paths.pidFile);
    if (pid === undefined) return;
    const cmd = commandLine(pid);
    if (isAlive(pid) && cmd?.includes('kafka.Kafka') && cmd.includes(this.paths.configFile)) {
      this.options.onLog?.(`Deteniendo un Kafka anterior que seguía en marcha (pid ${pid})…`);
      await terminateGroup(pid, this.options.stopGraceMs ?? 20_000);
      await waitForPidExit(pid, 5_000);
    }
    rmSync(this.paths.pidFile, { force: true });
  }

  private get java(): string {
    if (this.options.java) return this.options.java;
    return jdkTool('java');
  }

  /** Once per object: a check of the compiled folder, javac only when the source changed. */
  private async compilePolicy(): Promise<void> {
    this.policyClasses ??= await ensurePolicyClasses({ libsDir: this.paths.libsDir, outRoot: this.paths.policyDir });
  }

  /** The jars and the policy's classes; StorageTool needs both (it resolves the policy class names). */
  private get classpath(): string {
    if (!this.policyClasses) throw new BrokerStartError('La política de temas de Kafka no está compilada: falta prepare().');
    return `${this.paths.libsDir}/*:${this.policyClasses}`;
  }

  private get loggingFlags(): string[] {
    return [`-Dlog4j2.configurationFile=${this.paths.log4jConfig}`, `-Dkafka.logs.dir=${this.paths.logsDir}`];
  }
}

function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
