import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EXAMPLE_PROGRAMS, jobId as parseJobId, refusedArguments, runExample, type ExampleProgram, type JobProgress } from '@/lab/hadoop/jobs';
import { hadoopPaths } from '@/lab/hadoop/paths';
import { SANDBOX_EXAMPLES_JAR } from '@/lab/hadoop/sandbox-client';
import { siteHadoop } from './hadoop-endpoints';
import { HADOOP_JOB_WALL_MS, HADOOP_JOBS_IN_FLIGHT, HADOOP_RM_REQUEST_TIMEOUT_MS } from '@/lib/limits';

/**
 * The lab's trusted side of `yarn jar`, `hadoop jar`, `yarn application` and `mapred job` typed in
 * a sandbox: student code never runs in a YARN container (those run as the lab's OS user), so
 * the sandbox's scripts (lab/hadoop/sandbox-client.ts) send the command here through the run's
 * relay, which adds the run's token; this server knows whose run it is, submits only the
 * allow-listed example programs as that student (lab/hadoop/jobs.ts) and streams the job
 * client's real output back. Progress goes to the run as a structured event, never parsed
 * from what the student's script prints. Listens on loopback only; without a known token
 * (a header only the relay sets) nothing is answered.
 */
export interface JobRun {
  /** HDFS user (lib/lab/hadoop-homes.ts hdfsUser). */
  readonly user: string;
  /** The job's progress and end, for the run's event stream. */
  onJob(event: JobEvent): void;
}

export interface JobEvent {
  readonly program: string;
  readonly jobId?: string;
  readonly map: number;
  readonly reduce: number;
  readonly state: 'running' | 'succeeded' | 'failed';
}

export const RUN_HEADER = 'x-cauce-run';
const PREFIX = '/cauce-hadoop/';

/** What the student reads when the gateway itself failed (the ResourceManager unreachable…); the detail goes to the server log. */
export const GATEWAY_FAILED = 'El laboratorio no pudo atender esta orden de YARN ahora mismo; vuelve a ejecutar en unos segundos y, si sigue fallando, avisa a tu profesor.';

/**
 * The job clients running now: one per run registration, {@link HADOOP_JOBS_IN_FLIGHT} in the
 * lab (each is a JVM on the lab's side, outside every run's cgroup). A request beyond either is
 * refused in Spanish, never queued.
 */
export class JobSlots {
  private readonly byRun = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { readonly perRun: number; readonly total: number } = HADOOP_JOBS_IN_FLIGHT) {}

  /** A slot for `token`'s run (release it when the job client ended), or the Spanish refusal. */
  take(token: string): { release(): void } | { refused: string } {
    const mine = this.byRun.get(token) ?? 0;
    if (mine >= this.limits.perRun) return { refused: 'Ya tienes un trabajo de MapReduce en marcha: espera a que termine.' };
    if (this.total >= this.limits.total)
      return { refused: 'El laboratorio ya está ejecutando todos los trabajos de MapReduce que admite a la vez: vuelve a intentarlo en un minuto.' };
    this.byRun.set(token, mine + 1);
    this.total += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.byRun.get(token) ?? 1) - 1;
        if (left > 0) this.byRun.set(token, left);
        else this.byRun.delete(token);
      },
    };
  }
}

class JobGateway {
  private readonly runs = new Map<string, JobRun>();
  private readonly slots = new JobSlots();
  private server: Promise<string> | undefined;

  /** `host:port` the gateway listens on (started on first use). */
  endpoint(): Promise<string> {
    this.server ??= new Promise((resolve, reject) => {
      const server = http.createServer((request, response) => void this.handle(request, response));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.unref();
        resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`);
      });
    });
    return this.server;
  }

  /** Registers a run; its token goes into the relay's requests. Returns it and how to forget it. */
  register(run: JobRun): { token: string; dispose(): void } {
    const token = randomBytes(18).toString('base64url');
    this.runs.set(token, run);
    return { token, dispose: () => this.runs.delete(token) };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const token = String(request.headers[RUN_HEADER] ?? '');
    const run = this.runs.get(token);
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (!run || !url.pathname.startsWith(PREFIX)) {
      response.writeHead(403).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    const say = (line: string) => response.write(`${line}\n`);
    const end = (code: number): void => void response.end(`cauce-exit ${code}\n`);
    // The sandbox's curl gone before the end (the run stopped, or its wall clock): the job goes too.
    const gone = new AbortController();
    response.once('close', () => response.writableFinished || gone.abort());
    const args = url.searchParams.getAll('arg');
    const cwd = url.searchParams.get('cwd') ?? '/tmp';
    try {
      const what = url.pathname.slice(PREFIX.length);
      if (what === 'jar') return end(await this.jar(run, token, args, cwd, say, gone.signal));
      if (what === 'applications' || what === 'jobs') return end(await listApplications(run.user, what, args, say));
      say(`Orden desconocida: ${what}`);
      return end(1);
    } catch (error) {
      console.error('[hadoop] job gateway', error);
      say(GATEWAY_FAILED);
      end(1);
    }
  }

  private async jar(run: JobRun, token: string, args: string[], cwd: string, say: (line: string) => void, signal: AbortSignal): Promise<number> {
    const [jar, program, ...rest] = args;
    if (!jar) {
      say('Uso: yarn jar <jar> <programa> [argumentos…]');
      return 1;
    }
    if (path.posix.resolve(cwd, jar) !== SANDBOX_EXAMPLES_JAR) {
      say(
        `El laboratorio solo ejecuta en YARN los programas de ejemplo de Hadoop (${SANDBOX_EXAMPLES_JAR}); «${jar}» no es ese jar. ` +
          'Los contenedores de YARN no son un sandbox: ningún código de los alumnos se ejecuta en ellos.',
      );
      return 1;
    }
    if (!program || !(EXAMPLE_PROGRAMS as readonly string[]).includes(program)) {
      say(`Programas de ejemplo permitidos: ${EXAMPLE_PROGRAMS.join(', ')}${program ? ` («${program}» no es uno de ellos)` : ''}.`);
      return 1;
    }
    const refused = refusedArguments(program as ExampleProgram, rest);
    if (refused) {
      say(refused);
      return 1;
    }
    const slot = this.slots.take(token);
    if ('refused' in slot) {
      say(slot.refused);
      return 1;
    }
    let last: JobProgress = { map: 0, reduce: 0 };
    let jobId: string | undefined;
    let ok = false;
    try {
      run.onJob({ program, map: 0, reduce: 0, state: 'running' });
      const result = await runExample(hadoopPaths(), program as ExampleProgram, rest, {
        user: run.user,
        timeoutMs: HADOOP_JOB_WALL_MS,
        signal,
        onLine: (line) => {
          say(line);
          jobId ??= parseJobId(line);
        },
        onProgress: (progress) => {
          last = progress;
          run.onJob({ program, ...(jobId ? { jobId } : {}), ...progress, state: 'running' });
        },
      });
      ok = result.ok;
      jobId = result.jobId ?? jobId;
    } finally {
      // A client that did not end well (stopped, its wall clock, a crash) may leave its
      // application running on YARN: it goes too (a finished one is left as it is).
      if (!ok && jobId) await killApplication(run.user, jobId);
      slot.release();
    }
    run.onJob({ program, ...(jobId ? { jobId } : {}), ...last, state: ok ? 'succeeded' : 'failed' });
    return ok ? 0 : 1;
  }
}

interface YarnApp {
  id: string;
  name: string;
  applicationType: string;
  user: string;
  queue: string;
  state: string;
  finalStatus: string;
  progress: number;
  trackingUrl?: string;
  startedTime: number;
}

/**
 * `yarn application -list|-status` and `mapred job -list|-status` for the student: the
 * ResourceManager's REST API read by the trusted side, only their own applications, printed
 * in the columns of YARN's own client.
 */
async function listApplications(user: string, what: 'applications' | 'jobs', args: string[], say: (line: string) => void): Promise<number> {
  const rm = siteHadoop()?.resourcemanagerUrl;
  if (!rm) throw new Error('no hay ResourceManager');
  const [action, id] = args;
  if (action === '-status' && id) {
    const appId = id.replace(/^job_/, 'application_');
    const response = await fetch(`${rm}/ws/v1/cluster/apps/${encodeURIComponent(appId)}`, { signal: AbortSignal.timeout(HADOOP_RM_REQUEST_TIMEOUT_MS) });
    const app = response.ok ? ((await response.json()) as { app: YarnApp }).app : undefined;
    if (!app || app.user !== user) {
      say(`No existe ${id} entre tus aplicaciones de YARN.`);
      return 1;
    }
    const lines = [
      `Application-Id : ${app.id}`,
      `Application-Name : ${app.name}`,
      `Application-Type : ${app.applicationType}`,
      `User : ${app.user}`,
      `Queue : ${app.queue}`,
      `Start-Time : ${app.startedTime}`,
      `Progress : ${Math.round(app.progress)}%`,
      `State : ${app.state}`,
      `Final-State : ${app.finalStatus}`,
    ];
    lines.forEach((line) => say(what === 'jobs' ? line.replace('Application', 'Job') : line));
    return 0;
  }
  if (action !== '-list') {
    say(`${what === 'jobs' ? 'mapred job' : 'yarn application'}: en el laboratorio: -list [-appStates ALL] o -status <id>.`);
    return 1;
  }
  const all = args.includes('ALL') || args.includes('-all');
  const states = all ? undefined : ['SUBMITTED', 'ACCEPTED', 'RUNNING'];
  const query = new URLSearchParams({ user, ...(states ? { states: states.join(',') } : {}) });
  const response = await fetch(`${rm}/ws/v1/cluster/apps?${query}`, { signal: AbortSignal.timeout(HADOOP_RM_REQUEST_TIMEOUT_MS) });
  const apps = ((await response.json()) as { apps: { app?: YarnApp[] } | null }).apps?.app ?? [];
  if (what === 'jobs') {
    say(`Total jobs:${apps.length}`);
    say(['JobId', 'JobName', 'State', 'StartTime', 'UserName', 'Queue'].join('\t'));
    for (const app of apps) say([app.id.replace(/^application_/, 'job_'), app.name, app.state, app.startedTime, app.user, app.queue].join('\t'));
    return 0;
  }
  say(`Total number of applications (application-types: [], states: [${states?.join(', ') ?? 'ALL'}] and tags: []):${apps.length}`);
  say(['Application-Id', 'Application-Name', 'Application-Type', 'User', 'Queue', 'State', 'Final-State', 'Progress', 'Tracking-URL'].join('\t'));
  for (const app of apps)
    say([app.id, app.name, app.applicationType, app.user, app.queue, app.state, app.finalStatus, `${Math.round(app.progress)}%`, app.trackingUrl ?? 'N/A'].join('\t'));
  return 0;
}

/** Kills the application of a job client that did not end well, as its user (the RM's REST API; simple authentication). */
async function killApplication(user: string, jobId: string): Promise<void> {
  const rm = siteHadoop()?.resourcemanagerUrl;
  if (!rm) return;
  const appId = jobId.replace(/^job_/, 'application_');
  const response = await fetch(`${rm}/ws/v1/cluster/apps/${appId}/state?user.name=${encodeURIComponent(user)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ state: 'KILLED' }),
    signal: AbortSignal.timeout(HADOOP_RM_REQUEST_TIMEOUT_MS),
  }).catch((error: unknown) => console.error('[hadoop] could not kill', appId, error));
  if (response && !response.ok) console.error('[hadoop] could not kill', appId, response.status, await response.text().catch(() => ''));
}

let gateway: JobGateway | undefined;

/** This server's job gateway (one per process). */
export function jobGateway(): JobGateway {
  gateway ??= new JobGateway();
  return gateway;
}
