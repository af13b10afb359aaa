import { chmod, chown, mkdir, realpath, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { envVar, type EnvSource } from '@/lib/env';
import { resolveDagWorkerRuntime, type DagWorkerRuntime } from '@/lib/sandbox/kinds/airflow-worker';
import { AIRFLOW_PARSE_LIMITS, DEFAULT_AIRFLOW_TASK_LIMITS, MAX_WORKLOAD_BYTES, type AirflowTaskLimits } from '@/lib/limits';
import { NetworkRelays } from '@/lib/sandbox/network';
import { UidSlots } from '@/lib/sandbox/slots';
import { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { ParseBroker, ParseRequest, ParseStream, type ParseContext } from './parse-try';
import { runTaskTry, type TaskTryContext } from './task-try';
import { TaskRefusedError } from './workload';
import { SANDBOX_UIDS } from '@/lib/sandbox/uids';

export interface TaskLauncherOptions {
  /** Where the executor connects (lab/airflow/paths.ts `taskLauncherSocket`). */
  socketPath: string;
  /** The lab's DAG folder (`AIRFLOW_DAGS_DIR`). */
  dagsDir: string;
  /** The lab's base log folder (`AIRFLOW_LOGS_DIR`). */
  logsDir: string;
  /** The api-server, e.g. `http://127.0.0.1:8080` (`AIRFLOW_API_URL`): the only endpoint relayed in. */
  apiUrl: string;
  /** The uid Airflow runs as: owns the socket and gets the log files back. undefined: our own. */
  airflowUid?: number;
  /** uid of the first task slot; away from kafka-ts (61000+), tests (61100+), DAG workers (61200+). @default 61500 */
  firstUid?: number;
  /** Task tries at once; above the executor's parallelism (4), for exiting sandboxes. @default 6 */
  slots?: number;
  /** Parent of the per-uid tmpfs folders and relays. @default '/run/cauce-airflow-tasks' */
  root?: string;
  /** @default DEFAULT_AIRFLOW_TASK_LIMITS */
  limits?: Partial<AirflowTaskLimits>;
  /** uid of the first DAG-file parse slot (after the task slots). @default 61520 */
  firstParseUid?: number;
  /** Parses at once (the dag-processor's parsing_processes is 2). @default 3 */
  parseSlots?: number;
  /** @default $CAUCE_AIRFLOW_INSTALL_DIR or <cwd>/.lab/airflow */
  installDir?: string;
  /** Server log lines (one per try, with the uid and the exit). @default console.log */
  log?: (line: string) => void;
}

/**
 * Runs the lab's Airflow tasks, and the parsing of the DAG files students send, in the
 * sandbox. The executor (lab/airflow/executor/cauce_executor.py) connects once per task try,
 * sends the workload, and reads back one JSON line, `{"exitCode": n}` or `{"error": "..."}`.
 * The dag-processor's child (lab/airflow/executor/cauce_parse.py) opens a control connection
 * and three channel connections per file (parse-try.ts). The socket belongs to the Airflow uid
 * (mode 0600) and sits in a root-owned folder no sandbox binds, so only Airflow's own
 * processes can ask. One owner: start() listens, close() stops listening and ends running tries.
 */
export class TaskLauncher {
  readonly limits: AirflowTaskLimits;
  private server: net.Server | undefined;
  private readonly running = new Set<AbortController>();
  private readonly relays: NetworkRelays;
  private readonly workdirs: SlotWorkdirs;
  private readonly slots: UidSlots;
  private runtimePromise: Promise<DagWorkerRuntime> | undefined;
  private readonly log: (line: string) => void;
  private readonly parses: ParseBroker;
  private readonly parseSlots: UidSlots;
  private readonly parseWorkdirs: SlotWorkdirs;
  private parseContextPromise: Promise<ParseContext> | undefined;

  constructor(private readonly options: TaskLauncherOptions) {
    this.limits = { ...DEFAULT_AIRFLOW_TASK_LIMITS, ...options.limits };
    const root = options.root ?? '/run/cauce-airflow-tasks';
    this.slots = new UidSlots(options.slots ?? 6, options.firstUid ?? SANDBOX_UIDS.airflowTasks);
    this.workdirs = new SlotWorkdirs({ root, tmpfsMb: this.limits.tmpfsMb, label: 'cauce-airflow-task' });
    this.relays = new NetworkRelays(path.join(root, 'net'));
    this.log = options.log ?? ((line) => console.log(line));
    this.parseSlots = new UidSlots(options.parseSlots ?? 3, options.firstParseUid ?? SANDBOX_UIDS.airflowParse);
    this.parseWorkdirs = new SlotWorkdirs({ root, tmpfsMb: AIRFLOW_PARSE_LIMITS.tmpfsMb, label: 'cauce-airflow-parse' });
    this.parses = new ParseBroker(() => this.parseContext(), this.running);
  }

  /** Listens on the socket (replacing a stale one). Needs root: every try drops to its own uid. */
  async start(): Promise<void> {
    if (this.server) return;
    if (process.getuid?.() !== 0) throw new Error('the Airflow task launcher needs root (each task drops to its own uid)');
    const { socketPath } = this.options;
    if (Buffer.byteLength(socketPath) > 100) throw new Error(`socket path too long for a Unix socket: ${socketPath}`);
    const context = await this.context();
    await mkdir(path.dirname(socketPath), { recursive: true, mode: 0o711 });
    await chmod(path.dirname(socketPath), 0o711);
    await rm(socketPath, { force: true });
    // Half-open: the executor ends its side after the workload and waits for our answer.
    const server = net.createServer({ allowHalfOpen: true }, (connection) => this.serve(connection, context));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o600);
    if (this.options.airflowUid !== undefined) await chown(socketPath, this.options.airflowUid, this.options.airflowUid);
    server.unref(); // the site's server decides when the process ends
    this.server = server;
  }

  /** Stops listening and kills running tries (their tasks fail; Airflow may retry them). */
  async close(): Promise<void> {
    for (const controller of this.running) controller.abort();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.relays.close();
  }

  private async context(): Promise<TaskTryContext> {
    const { options } = this;
    const api = new URL(options.apiUrl);
    const relayScript = await realpath(/*turbopackIgnore: true*/ path.join(process.cwd(), 'lib', 'sandbox', 'relay', 'relay.py'));
    const [dagsDir, logsDir] = await Promise.all([realpath(options.dagsDir), realpath(options.logsDir)]);
    return {
      slots: this.slots,
      workdirs: this.workdirs,
      relays: this.relays,
      runtime: () => this.runtime(),
      relayScript,
      dagsDir,
      logsDir,
      airflowUid: options.airflowUid,
      apiEndpoint: `${api.hostname}:${api.port || (api.protocol === 'https:' ? 443 : 80)}`,
      limits: this.limits,
      log: this.log,
    };
  }

  private parseContext(): Promise<ParseContext> {
    this.parseContextPromise ??= (async () => ({
      slots: this.parseSlots,
      workdirs: this.parseWorkdirs,
      relays: this.relays,
      runtime: () => this.runtime(),
      childScript: await realpath(/*turbopackIgnore: true*/ path.join(process.cwd(), 'lab', 'airflow', 'executor', 'cauce_parse_child.py')),
      dagsDir: await realpath(this.options.dagsDir),
      limits: AIRFLOW_PARSE_LIMITS,
      log: this.log,
    }))();
    this.parseContextPromise.catch(() => (this.parseContextPromise = undefined));
    return this.parseContextPromise;
  }

  private runtime(): Promise<DagWorkerRuntime> {
    this.runtimePromise ??= resolveDagWorkerRuntime(this.options.installDir).catch((error: unknown) => {
      this.runtimePromise = undefined;
      throw error;
    });
    return this.runtimePromise;
  }

  private serve(connection: net.Socket, context: TaskTryContext): void {
    const controller = new AbortController();
    let received = '';
    let started = false;
    const answer = (reply: { exitCode: number } | { error: string }) => {
      if (!connection.destroyed) connection.end(JSON.stringify(reply) + '\n');
    };
    const begin = () => {
      if (started) return;
      started = true;
      const line = received.split('\n', 1)[0] ?? '';
      if (this.routeParse(line, connection)) return;
      this.running.add(controller);
      runTaskTry(line, context, controller.signal)
        .then(
          (end) => answer({ exitCode: end.exitCode }),
          (error: unknown) => {
            const message = error instanceof TaskRefusedError ? error.message : `the sandbox could not start: ${String(error)}`;
            this.log(`[airflow-tasks] refused: ${message}`);
            answer({ error: message });
          },
        )
        .finally(() => this.running.delete(controller));
    };
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => {
      if (started) return;
      received += chunk;
      if (received.length > MAX_WORKLOAD_BYTES) {
        started = true;
        answer({ error: 'the workload is too large' });
      } else if (received.includes('\n')) begin();
    });
    connection.on('end', begin);
    // The scheduler's worker went away (Airflow stopping): the try has nobody to report to.
    connection.on('close', () => controller.abort());
    connection.on('error', () => controller.abort());
  }
  /** A parse request or stream (the dag-processor's), routed to the broker; false for a task workload. */
  private routeParse(line: string, connection: net.Socket): boolean {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return false;
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (type === 'ParseDagFile') {
      const request = ParseRequest.safeParse(json);
      if (request.success) this.parses.request(request.data, connection);
      else connection.end(JSON.stringify({ error: 'not a ParseDagFile request' }) + '\n');
      return true;
    }
    if (type === 'ParseStream') {
      const stream = ParseStream.safeParse(json);
      if (stream.success) this.parses.stream(stream.data, connection);
      else connection.destroy();
      return true;
    }
    return false;
  }
}

/**
 * The launcher's options from the variables the lab gives the site (lab/airflow/start.ts), or
 * null when this server does not run the embedded Airflow (external mode, `next dev` alone).
 */
export function taskLauncherOptionsFromEnv(source?: EnvSource): TaskLauncherOptions | null {
  const socketPath = envVar('CAUCE_TASK_LAUNCHER_SOCKET', source)?.trim();
  const dagsDir = envVar('AIRFLOW_DAGS_DIR', source)?.trim();
  const logsDir = envVar('AIRFLOW_LOGS_DIR', source)?.trim();
  const apiUrl = envVar('AIRFLOW_API_URL', source)?.trim();
  if (envVar('CAUCE_AIRFLOW_MODE', source) === 'external' || !socketPath || !dagsDir || !logsDir || !apiUrl) return null;
  const airflowUid = envVar('CAUCE_AIRFLOW_UID', source);
  return { socketPath, dagsDir, logsDir, apiUrl, ...(airflowUid ? { airflowUid } : {}) };
}

let shared: TaskLauncher | undefined;

/** Starts the site's one launcher (instrumentation.ts); null without the embedded Airflow. */
export async function startTaskLauncherFromEnv(source?: EnvSource): Promise<TaskLauncher | null> {
  const options = taskLauncherOptionsFromEnv(source);
  if (!options) return null;
  shared ??= new TaskLauncher(options);
  await shared.start();
  return shared;
}
