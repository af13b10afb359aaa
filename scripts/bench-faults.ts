/**
 * `npm run bench:faults` (issue 14): figures, not a test. How long Cauce takes to serve again
 * after each fault, on this machine, with the launcher as `npm start` runs it (`cauce.mjs serve`)
 * in its own process group, with its own CAUCE_LAB_DIR under .lab/ and free ports:
 *  1. the site's server, kill -9: until GET / answers 200;
 *  2. the Kafka broker, kill -9: until a new client's send with acks=-1 is acknowledged;
 *  3. Airflow's scheduler, kill -9: until /api/v2/monitor/health reports every component healthy,
 *     each with a heartbeat newer than the kill;
 *  4. Airflow's api-server, kill -9: the same;
 *  5. an idle warm DAG worker's sandbox, kill -9: until the site's pool has a new worker waiting
 *     for a job (its zygote blocked reading its input, seen in /proc), a DAG run fired meanwhile;
 * then three producers (acks=-1) write numbered messages for BENCH_PRODUCE_SECONDS (20) with the
 * broker killed half-way, and the topic is read back: acknowledged, stored, acknowledged but
 * missing (must be 0), duplicates.
 * Between two faults everything is healthy and idle again, and a service is not killed again
 * before its supervisor has counted it recovered (60 s up), so every restart waits the first 1 s.
 * Exits non-zero only when the bench itself could not run (no build, the lab did not start).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { prepareAirflow } from '../lab/airflow/install';
import { jarsReady } from '../lab/kafka/download';
import { readSecrets } from '../lab/kafka/secrets';
import { bindError } from '../lab/ports';
import { runCapacity, serverEnv } from '../lib/env';
import { lessonFile } from '../lib/runs/airflow/test-helpers';
import { readRunEvents } from './run-events';

const root = path.resolve(import.meta.dirname, '..');
// A benchmark knob, read raw: this harness's own setting, not the site's or the lab's.
const PRODUCE_MS = Number(process.env.BENCH_PRODUCE_SECONDS ?? 20) * 1000;
/** The supervisor's resetAfterMs (lab/supervisor.ts), plus a margin: after it, a restart waits 1 s again. */
const BACKOFF_RESET_MS = 62_000;
const secs = (ms: number | undefined) => (ms === undefined || !Number.isFinite(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`);
const progress = (message: string) => console.error(`▸ ${message}`);

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  args: string[];
}

/** Every live process now, from /proc. */
function processTable(): Proc[] {
  const table: Proc[] = [];
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      table.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), args });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Processes started with this lab folder: its CAUCE_LAB_DIR, or Airflow's AIRFLOW_HOME inside it. */
function labProcesses(labDir: string): Proc[] {
  return processTable().filter((proc) => {
    if (proc.pid === process.pid) return false;
    try {
      const environ = fs.readFileSync(`/proc/${proc.pid}/environ`, 'utf8');
      return environ.includes(`CAUCE_LAB_DIR=${labDir}\0`) || environ.includes(`=${labDir}/`);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Every process below `pid` (a sandbox's empty environment hides it from labProcesses). */
function descendants(pid: number, table = processTable()): Proc[] {
  const found: Proc[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    const children = table.filter((proc) => frontier.includes(proc.ppid));
    found.push(...children);
    frontier = children.map((proc) => proc.pid);
  }
  return found;
}

/** A port with `span - 1` free ports after it, none of them in `taken`. */
async function freePort(span: number, taken: number[]): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const ports = Array.from({ length: span }, (_, i) => port + i);
    if (ports.some((p) => taken.includes(p))) continue;
    const errors = await Promise.all(ports.map((p) => bindError(p, '127.0.0.1')));
    if (errors.every((error) => error === undefined)) return port;
  }
}

/**
 * Polls `probe` every 100 ms for up to `timeoutMs`: once it says true, the time since `since`
 * (the kill, say); undefined when it never did.
 */
async function until(probe: () => Promise<boolean> | boolean, timeoutMs: number, since = performance.now()): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe()) return performance.now() - since;
    await sleep(100);
  }
  return undefined;
}

/** A kafkajs call that may outlive its own timeouts (a broker that accepts and never answers). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => undefined);
  return Promise.race([work, sleep(ms).then(() => Promise.reject(new Error(`sin respuesta en ${ms} ms`)))]);
}

/** One row of the recovery table. */
interface Recovery {
  fault: string;
  /** From the kill until the probe says it serves again; undefined when it did not in time. */
  ms?: number;
  measures: string;
  notes: string[];
}

/** What the three producers saw, and what the topic holds afterwards. */
interface ProduceFigures {
  acknowledged: number;
  stored: number;
  missing: number;
  duplicates: number;
  storedUnacknowledged: number;
  failedSends: number;
  gaveUp: number;
  /** From the kill until the first acknowledged send started after it. */
  stallMs: number;
  killedAtMs: number;
  /** The kill itself, measured as fault 2 is. */
  broker: Recovery;
}

/** The launcher and its lab, for one run of the bench; stop() leaves nothing behind. */
class Bench {
  readonly labDir = fs.mkdtempSync(path.join(root, '.lab', 'fallos-'));
  private launcher: ChildProcess | undefined;
  private log = '';
  private sitePort = 0;
  private kafkaPort = 0;
  private airflowPort = 0;
  private kafka: Kafka | undefined;
  private readonly probeTopic = `bench_faults_sonda-${Date.now()}`;
  private stopping: Promise<void> | undefined;
  /** When each supervised service last came back after a kill, for the backoff spacing. */
  private readonly upSince = new Map<string, number>();
  readonly poolSize = serverEnv().CAUCE_AIRFLOW_POOL_SIZE ?? runCapacity().airflowDag;

  get siteUrl() {
    return `http://localhost:${this.sitePort}`;
  }

  async start(): Promise<void> {
    this.sitePort = await freePort(1, []);
    this.kafkaPort = await freePort(2, [this.sitePort]);
    this.airflowPort = await freePort(3, [this.sitePort, this.kafkaPort, this.kafkaPort + 1]);
    // The main lab's jars, when it has them: the same files Maven would copy, without its minute.
    const mainLibs = path.join(root, '.lab', 'kafka', 'libs');
    if (jarsReady(mainLibs)) fs.cpSync(mainLibs, path.join(this.labDir, 'kafka', 'libs'), { recursive: true });
    const base = { ...process.env };
    // The shell's lab and site settings would otherwise leak in (as in scripts/site.spec.ts).
    for (const key of ['KAFKA_BROKERS', 'AIRFLOW_API_URL', 'PORT', 'CAUCE_HOST', 'CAUCE_MODE', 'DATABASE_URL', 'CAUCE_DB_FILE']) delete base[key];
    this.launcher = spawn(process.execPath, [path.join(root, 'scripts', 'cauce.mjs'), 'serve', '--port', String(this.sitePort), '--no-build'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...base,
        CAUCE_LAB_DIR: this.labDir,
        CAUCE_KAFKA_PORT: String(this.kafkaPort),
        CAUCE_AIRFLOW_PORT: String(this.airflowPort),
        CAUCE_HADOOP: 'off',
        NEXT_TELEMETRY_DISABLED: '1',
      },
    });
    for (const stream of [this.launcher.stdout, this.launcher.stderr]) stream?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    progress(`arrancando el lanzador (sitio ${this.sitePort}, Kafka ${this.kafkaPort}, Airflow ${this.airflowPort}, laboratorio ${this.labDir})…`);
    const ready = await until(() => this.log.includes('✔ Cauce listo') || this.launcher?.exitCode !== null, 600_000);
    if (ready === undefined || this.launcher.exitCode !== null) throw new Error(`El lanzador no llegó a «Cauce listo».\n${this.log.slice(-3000)}`);
    const secrets = readSecrets(path.join(this.labDir, 'kafka'));
    if (!secrets) throw new Error(`No están las credenciales de Kafka en ${this.labDir}/kafka.`);
    this.kafka = new Kafka({
      clientId: 'cauce-bench-faults',
      brokers: [`127.0.0.1:${this.kafkaPort}`],
      sasl: { mechanism: 'scram-sha-512', username: secrets.adminUser, password: secrets.adminPassword },
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    await this.createTopic(this.probeTopic, 1);
  }

  /**
   * Ctrl-C to the launcher's group (what a terminal sends), then SIGKILL to whatever of this lab
   * is left (its processes as they were before, if still the same, and any with its folder in
   * their environment), then the folder. Once, however many times it is called.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const launcher = this.launcher;
      const before = this.tree();
      if (launcher?.pid && launcher.exitCode === null) {
        try {
          process.kill(-launcher.pid, 'SIGINT');
        } catch {
          // gone
        }
        await until(() => launcher.exitCode !== null, 60_000);
      }
      const same = (proc: Proc) => before.some((old) => old.pid === proc.pid && old.args.join(' ') === proc.args.join(' '));
      for (const proc of [...processTable().filter(same), ...labProcesses(this.labDir)]) {
        try {
          process.kill(proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      fs.rmSync(this.labDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  output(): string {
    return this.log;
  }

  private client(): Kafka {
    if (!this.kafka) throw new Error('Kafka sin cliente: start() no terminó.');
    return this.kafka;
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  // ---- probes: does it serve, seen from outside ----

  async siteServes(): Promise<boolean> {
    try {
      return (await fetch(`${this.siteUrl}/`, { signal: AbortSignal.timeout(5_000) })).status === 200;
    } catch {
      return false;
    }
  }

  /** A new client logs in and gets one message acknowledged by the broker (acks=-1). */
  async kafkaAcks(): Promise<boolean> {
    const producer = this.client().producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await withDeadline(producer.connect(), 3_000);
      await withDeadline(producer.send({ topic: this.probeTopic, acks: -1, timeout: 3_000, messages: [{ value: 'sonda' }] }), 4_000);
      return true;
    } catch {
      return false;
    } finally {
      void producer.disconnect().catch(() => undefined);
    }
  }

  /**
   * /api/v2/monitor/health with every component healthy and, for the three that heartbeat, a
   * heartbeat newer than `sinceWall` (Date.now() at the kill). Stricter than checkAirflow on
   * purpose: Airflow calls a scheduler healthy while its last heartbeat is under 30 s old, so one
   * killed a moment ago still reads healthy after the api-server is back.
   */
  async airflowServes(sinceWall = 0): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.airflowPort}/api/v2/monitor/health`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) return false;
      const health = (await response.json()) as Record<string, Record<string, string | null | undefined> | null | undefined>;
      const fresh = (component: string) => health[component]?.status === 'healthy' && Date.parse(health[component]?.[`latest_${component}_heartbeat`] ?? '') > sinceWall;
      return health.metadatabase?.status === 'healthy' && ['scheduler', 'triggerer', 'dag_processor'].every(fresh);
    } catch {
      return false; // not listening (restarting)
    }
  }

  /**
   * The site's warm DAG workers that wait for a job: each sandbox's zygote (the python running
   * cauce_dag_worker.py right under bwrap, not a job forked from it) blocked in epoll_wait with
   * no timeout, which it is only between "ready" and the next job (lab/airflow/worker/cauce_zygote.py).
   */
  warmWorkers(): Proc[] {
    return this.zygotes().filter((proc) => {
      try {
        return /^(232|281) \S+ \S+ \S+ 0xffffffff(ffffffff)? /.test(fs.readFileSync(`/proc/${proc.pid}/syscall`, 'utf8'));
      } catch {
        return false; // gone, or running (the file then says "running")
      }
    });
  }

  /** Every DAG worker sandbox's zygote below the site's server, warm or not. */
  zygotes(): Proc[] {
    const site = this.sitePid();
    if (!site) return [];
    const below = descendants(site);
    const isWorker = (proc: Proc | undefined) => !!proc && (proc.args[0] ?? '').endsWith('python') && proc.args.some((arg) => arg.endsWith('cauce_dag_worker.py'));
    return below.filter((proc) => isWorker(proc) && !isWorker(below.find((parent) => parent.pid === proc.ppid)));
  }

  /**
   * The launcher's processes now. By ancestry, not environment: Airflow's api-server rewrites
   * its title over its environment (setproctitle), and a sandbox's environment is empty.
   */
  private tree(): Proc[] {
    return this.launcher?.pid ? descendants(this.launcher.pid) : [];
  }

  sitePid(): number | undefined {
    return this.tree().find((proc) => proc.args.some((arg) => arg.endsWith('serve-next.mjs')))?.pid;
  }

  kafkaPid(): number | undefined {
    return this.tree().find((proc) => proc.args.includes('kafka.Kafka'))?.pid;
  }

  /** The component's own process (the leader of the group the lab started it in), not a child it forked. */
  airflowPid(component: 'scheduler' | 'api[-_]server'): number | undefined {
    const title = new RegExp(`airflow ${component}\\b`);
    return this.tree().find((proc) => proc.pid === proc.pgid && title.test(proc.args.join(' ')))?.pid;
  }

  /** Until everything serves and the pool is full again; throws naming what did not. */
  async settle(): Promise<void> {
    const checks: [string, () => Promise<boolean> | boolean, number][] = [
      ['el sitio', () => this.siteServes(), 120_000],
      ['Kafka', () => this.kafkaAcks(), 120_000],
      ['Airflow', () => this.airflowServes(), 300_000],
      [`los ${this.poolSize} trabajadores DAG en caliente`, () => this.warmWorkers().length >= this.poolSize, 180_000],
    ];
    for (const [what, probe, timeoutMs] of checks) {
      if ((await until(probe, timeoutMs)) === undefined) throw new Error(`${what} no volvió a estar listo en ${timeoutMs / 1000} s`);
    }
    await sleep(2_000); // the last restart's own aftermath (a JIT, a first parse) out of the next figure
  }

  /** Waits, if needed, until `service` has been up long enough for its supervisor to restart it after 1 s again. */
  async spaceFrom(service: string): Promise<void> {
    const since = this.upSince.get(service);
    const wait = since === undefined ? 0 : BACKOFF_RESET_MS - (performance.now() - since);
    if (wait <= 0) return;
    progress(`esperando ${secs(wait)} a que el supervisor cuente ${service} como recuperado (su espera vuelve a 1 s)…`);
    await sleep(wait);
  }

  /**
   * kill -9 of one supervised process, then the time until `back` says it serves again. The
   * launcher's own lines tell when the old one is really gone (Airflow stops its other components
   * first, whose health could still read "healthy") and what restart delay it announced.
   */
  async recover(options: {
    fault: string;
    measures: string;
    /** Its name in the launcher's lines («El sitio», «Kafka», «Airflow»). */
    service: string;
    pid: () => number | undefined;
    /** Serves again; gets Date.now() at the kill. */
    back: (killedWall: number) => Promise<boolean>;
    onKill?: () => void;
  }): Promise<Recovery> {
    const { fault, measures, service } = options;
    await this.spaceFrom(service);
    const pid = options.pid();
    if (!pid) return { fault, measures, notes: ['no se encontró el proceso que matar'] };
    progress(`kill -9: ${fault} (pid ${pid})…`);
    const mark = this.log.length;
    process.kill(pid, 'SIGKILL');
    const killed = performance.now();
    const killedWall = Date.now();
    options.onKill?.();
    const since = () => this.log.slice(mark);
    const notes: string[] = [];
    const announced = await until(() => since().includes(`${service} se detuvo inesperadamente`), 30_000, killed);
    const delay = /se detuvo inesperadamente \(([^)]*)\); reiniciando en ([^…]+)…/.exec(since());
    notes.push(delay ? `el lanzador lo vio a los ${secs(announced)} («${delay[1]}») y anunció el reinicio en ${delay[2]}` : 'el lanzador no anunció un reinicio en 30 s');
    const ms = await until(() => options.back(killedWall), 300_000, killed);
    const available = await until(() => since().includes(`${service} vuelve a estar disponible.`), 30_000, killed);
    if (available !== undefined) notes.push(`«${service} vuelve a estar disponible» a los ${secs(available)}`);
    this.upSince.set(service, performance.now());
    return { fault, measures, notes, ...(ms === undefined ? {} : { ms }) };
  }

  /** The lesson's test_print_values DAG through the site's API, like a student's click: duration and end reason. */
  async dagRun(): Promise<{ ms: number; reason: string }> {
    const started = performance.now();
    const response = await fetch(`${this.siteUrl}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: this.siteUrl },
      body: JSON.stringify({
        lesson: 'airflow/definicion-workflow',
        snippet: 'airflow/definicion-workflow/bench-faults',
        kind: 'airflow-dag',
        files: [lessonFile('definicion-workflow', 'test_print_values.py')],
      }),
    });
    const body = (await response.json()) as { ok: boolean; runId?: string; message?: string };
    if (!body.ok || !body.runId) return { ms: NaN, reason: `rechazada (${response.status}): ${body.message}` };
    let reason = 'sin fin';
    await readRunEvents(await fetch(`${this.siteUrl}/api/runs/${body.runId}/events`), (event) => {
      if (event.type === 'exit') reason = event.reason === 'finished' ? 'finished' : `${event.reason}: ${event.message}`;
    });
    return { ms: performance.now() - started, reason };
  }

  /**
   * Fault 5: an idle warm worker's whole sandbox (the process group the site spawned it in), as
   * the OOM killer or an operator would (lib/runs/airflow/pool.spec.ts does the same).
   */
  async killWarmWorker(): Promise<Recovery> {
    const fault = 'un trabajador DAG en caliente, en reposo';
    const measures = 'el pool del sitio tiene otra vez un trabajador nuevo esperando trabajo';
    const baseline = await this.dagRun();
    await until(() => this.warmWorkers().length >= this.poolSize, 60_000);
    await sleep(1_000);
    const before = new Set(this.zygotes().map((proc) => proc.pid));
    const victim = this.warmWorkers()[0];
    const site = this.sitePid();
    const table = processTable();
    // Up from the zygote (which bwrap put in a session of its own) to the child the site spawned.
    let leader = victim && table.find((proc) => proc.pid === victim.pid);
    while (leader && site && leader.ppid !== site) leader = table.find((proc) => proc.pid === leader!.ppid);
    if (!leader) return { fault, measures, notes: ['no había un trabajador en reposo que matar'] };
    progress(`kill -9 al sandbox de un trabajador DAG en reposo (grupo ${leader.pid})…`);
    process.kill(-leader.pid, 'SIGKILL');
    const killed = performance.now();
    const run = this.dagRun(); // a student's click right after: served by another warm worker, or waits
    const spawned = await until(() => this.zygotes().some((proc) => !before.has(proc.pid)), 60_000, killed);
    const ms = await until(() => this.warmWorkers().some((proc) => !before.has(proc.pid)), 180_000, killed);
    const { ms: runMs, reason } = await run;
    return {
      fault,
      measures,
      notes: [
        `pool de ${this.poolSize}; su sandbox nuevo aparece a los ${secs(spawned)}; el resto es su arranque en caliente (importar Airflow, una ejecución de prueba)`,
        `una ejecución de test_print_values lanzada al matarlo: ${reason}, ${secs(runMs)} (una antes del fallo: ${reason === baseline.reason ? '' : `${baseline.reason}, `}${secs(baseline.ms)})`,
      ],
      ...(ms === undefined ? {} : { ms }),
    };
  }

  /**
   * Three producers (acks=-1, kafkajs's own retries, then the same message again until it is
   * acknowledged) for PRODUCE_MS, the broker killed half-way; then the topic read from the start.
   */
  async produceThroughKill(): Promise<ProduceFigures> {
    await this.spaceFrom('Kafka');
    const topic = `bench_faults-${Date.now()}`;
    await this.createTopic(topic, 3);
    const acked = new Set<string>();
    let failedSends = 0;
    let gaveUp = 0;
    let killedAt = Infinity;
    let firstAckAfterKill = Infinity;
    const started = performance.now();
    const produce = async (id: number) => {
      const producer = this.client().producer({ allowAutoTopicCreation: false, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 } });
      await producer.connect();
      for (let n = 1; performance.now() - started < PRODUCE_MS; n++) {
        const value = `p${id}-${n}`;
        // The last message may outlive the window: it is retried until acknowledged, for at most a minute more.
        for (;;) {
          const attempt = performance.now();
          try {
            await withDeadline(producer.send({ topic, acks: -1, timeout: 5_000, messages: [{ key: `p${id}`, value }] }), 30_000);
            acked.add(value);
            if (attempt > killedAt) firstAckAfterKill = Math.min(firstAckAfterKill, performance.now());
            break;
          } catch {
            failedSends += 1;
            if (performance.now() - started > PRODUCE_MS + 60_000) {
              gaveUp += 1;
              break;
            }
            await sleep(100);
          }
        }
      }
      await producer.disconnect().catch(() => undefined);
    };
    progress(`tres productores durante ${secs(PRODUCE_MS)} en ${topic}; kill -9 al broker a los ${secs(PRODUCE_MS / 2)}…`);
    const producers = [1, 2, 3].map(produce);
    await sleep(PRODUCE_MS / 2);
    // The same kill and measure as fault 2, with the producers writing meanwhile.
    const recovery = this.recover({
      fault: 'el broker de Kafka, con tres productores escribiendo',
      measures: 'lo mismo: un cliente nuevo con acks=-1 confirmado',
      service: 'Kafka',
      pid: () => this.kafkaPid(),
      back: () => this.kafkaAcks(),
      onKill: () => (killedAt = performance.now()),
    });
    await Promise.all(producers);
    const broker = await recovery;

    progress('leyendo el tema desde el principio…');
    const counts = await this.readAll(topic);
    const stored = [...counts.values()].reduce((sum, n) => sum + n, 0);
    return {
      acknowledged: acked.size,
      stored,
      missing: [...acked].filter((value) => !counts.has(value)).length,
      duplicates: stored - counts.size,
      storedUnacknowledged: [...counts.keys()].filter((value) => !acked.has(value)).length,
      failedSends,
      gaveUp,
      stallMs: firstAckAfterKill - killedAt,
      killedAtMs: killedAt - started,
      broker,
    };
  }

  /** Every record of the topic, counted by value: a new group from the beginning up to the high watermarks. */
  private async readAll(topic: string): Promise<Map<string, number>> {
    const admin = this.client().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const total = offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    const counts = new Map<string, number>();
    let read = 0;
    const consumer = this.client().consumer({ groupId: `bench-faults-lectura-${Date.now()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await withDeadline(
        new Promise<void>((resolve, reject) => {
          if (total === 0) return resolve();
          consumer
            .run({
              eachMessage: async ({ message }) => {
                const value = message.value?.toString() ?? '';
                counts.set(value, (counts.get(value) ?? 0) + 1);
                if (++read >= total) resolve();
              },
            })
            .catch(reject);
        }),
        120_000,
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return counts;
  }
}

function printRecoveries(rows: Recovery[]): void {
  const width = Math.max(...rows.map((row) => row.fault.length)) + 2;
  console.log(`\nTiempo hasta volver a servir tras cada fallo (kill -9; ${os.availableParallelism()} núcleos, lanzador real, laboratorio integrado)\n`);
  console.log(`${'Fallo'.padEnd(width)}${'De vuelta'.padEnd(12)}Qué se mide desde fuera (desde el kill)`);
  for (const row of rows) {
    console.log(`${row.fault.padEnd(width)}${(row.ms === undefined ? 'no volvió' : secs(row.ms)).padEnd(12)}${row.measures}`);
    for (const note of row.notes) console.log(`${' '.repeat(width + 2)}· ${note}`);
  }
}

function printProduce(figures: ProduceFigures): void {
  console.log(`\nTres productores (kafkajs, acks=-1) durante ${secs(PRODUCE_MS)}, broker muerto con kill -9 a los ${secs(figures.killedAtMs)}\n`);
  const rows: [string, number | string][] = [
    ['confirmados (acks=-1)', figures.acknowledged],
    ['almacenados (leídos del tema desde el principio)', figures.stored],
    ['confirmados pero perdidos (debe ser 0)', figures.missing],
    ['duplicados (copias de más en el tema)', figures.duplicates],
    ['almacenados sin confirmar (envíos abandonados)', figures.storedUnacknowledged],
    ['envíos fallidos y reintentados', figures.failedSends],
    ['mensajes abandonados tras reintentar un minuto', figures.gaveUp],
    ['sin confirmaciones (del kill al primer envío confirmado)', secs(figures.stallMs)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}${value}`);
}

function printExplanation(): void {
  console.log(`
Cómo leerlo:
- El lanzador vigila el sitio, Kafka y Airflow (lab/supervisor.ts): uno que muere se reinicia tras
  1 s (2 s, 4 s… si vuelve a morir antes de llevar un minuto en marcha; aquí se espera ese minuto
  entre dos fallos del mismo servicio). Casi todo el tiempo es el arranque del servicio: Node y
  Next para el sitio, la JVM de Kafka, los cuatro procesos de Airflow (si muere uno, el lanzador
  detiene los demás y reinicia Airflow entero).
- Airflow da por sano un scheduler cuyo último latido tiene menos de 30 s, aunque su proceso ya no
  exista. Por eso aquí Airflow vuelve solo cuando scheduler, triggerer y dag_processor han latido
  después del kill; «vuelve a estar disponible» es cuándo lo dio por bueno el lanzador, que mira
  la misma salud sin fijarse en los latidos.
- Matar el servidor del sitio mata también sus trabajadores DAG en caliente (mueren con su padre);
  el servidor nuevo los vuelve a calentar.
- Al trabajador DAG no lo reinicia el lanzador sino el pool del sitio (lib/runs/airflow/pool.ts),
  que arranca otro sandbox en cuanto uno muere; mientras tanto, las ejecuciones usan los demás
  trabajadores del pool, o esperan al nuevo si no queda ninguno. El nuevo cuenta como listo cuando
  su zygote espera trabajo (bloqueado sin plazo leyendo su entrada, visto en /proc desde fuera).
- Con acks=-1 un mensaje confirmado ya está en el log del broker: kill -9 mata el proceso pero no
  la caché de páginas del sistema, así que no se pierde nada confirmado. Un corte de luz sí podría
  perder lo último (un solo broker, sin fsync por mensaje). Un duplicado es un envío que el broker
  escribió pero cuya confirmación no llegó antes del kill: el productor (no idempotente, como el
  de las lecciones) lo reenvía. Ninguno de estos números es un límite de Cauce: son de esta máquina.`);
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
    progress('no hay build del sitio: next build…');
    const build = spawnSync(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    if (build.status !== 0) throw new Error('next build falló: el sitio no tiene qué servir.');
  }
  await prepareAirflow(); // nothing to do once installed: the install is shared by every lab folder
  fs.mkdirSync(path.join(root, '.lab'), { recursive: true });
  const bench = new Bench();
  const stopOnSignal = () => void bench.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    await bench.start();
    const rows: Recovery[] = [];
    let produced: ProduceFigures | undefined;
    const kill = (fault: string, service: string, measures: string, pid: () => number | undefined, back: (killedWall: number) => Promise<boolean>) => async () =>
      void rows.push(await bench.recover({ fault, service, measures, pid, back }));
    const airflowMeasure = '/api/v2/monitor/health: todo healthy, con latidos de scheduler, triggerer y dag_processor posteriores al kill';
    // Kafka and Airflow each die twice: apart, so the second waits for less of the supervisor's minute.
    const scenes: [string, () => Promise<void>][] = [
      [
        'el servidor del sitio',
        kill(
          'el servidor del sitio',
          'El sitio',
          'GET / responde 200',
          () => bench.sitePid(),
          () => bench.siteServes(),
        ),
      ],
      [
        'el broker de Kafka',
        kill(
          'el broker de Kafka',
          'Kafka',
          'un cliente nuevo envía con acks=-1 y el broker lo confirma',
          () => bench.kafkaPid(),
          () => bench.kafkaAcks(),
        ),
      ],
      [
        'el scheduler de Airflow',
        kill(
          'el scheduler de Airflow',
          'Airflow',
          airflowMeasure,
          () => bench.airflowPid('scheduler'),
          (killedWall) => bench.airflowServes(killedWall),
        ),
      ],
      ['un trabajador DAG en caliente', async () => void rows.push(await bench.killWarmWorker())],
      ['los tres productores', async () => void rows.push((produced = await bench.produceThroughKill()).broker)],
      [
        'el api-server de Airflow',
        kill(
          'el api-server de Airflow',
          'Airflow',
          `lo mismo: ${airflowMeasure}`,
          () => bench.airflowPid('api[-_]server'),
          (killedWall) => bench.airflowServes(killedWall),
        ),
      ],
    ];
    // A fault the lab does not come back from is a figure too: what would follow it is not measured.
    const unmeasured: string[] = [];
    let stuck: string | undefined;
    for (const [name, scene] of scenes) {
      stuck ??= await bench.settle().then(
        () => undefined,
        (error: Error) => error.message,
      );
      if (stuck) unmeasured.push(`${name} (${stuck})`);
      else await scene().catch((error: Error) => unmeasured.push(`${name} (${error.message})`));
    }
    printRecoveries(rows);
    if (produced) printProduce(produced);
    if (unmeasured.length > 0) console.log(`\nSin medir: ${unmeasured.join('; ')}.`);
    printExplanation();
    return 0;
  } catch (error) {
    console.error(`✖ El benchmark no pudo ejecutarse: ${(error as Error).message}`);
    console.error(bench.output().slice(-3000));
    return 1;
  } finally {
    progress('deteniendo el lanzador y el laboratorio…');
    await bench.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
