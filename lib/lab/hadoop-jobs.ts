import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EXAMPLE_PROGRAMS, refusedArguments, runExample, type ExampleProgram, type JobProgress } from '@/lab/hadoop/jobs';
import { hadoopPaths } from '@/lab/hadoop/paths';
import { SANDBOX_EXAMPLES_JAR } from '@/lab/hadoop/sandbox-client';
import { envVar } from '@/lib/env';
import { HADOOP_JOB_WALL_MS } from '@/lib/limits';

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

class JobGateway {
  private readonly runs = new Map<string, JobRun>();
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
    const run = this.runs.get(String(request.headers[RUN_HEADER] ?? ''));
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
      if (what === 'jar') return end(await this.jar(run, args, cwd, say, gone.signal));
      if (what === 'applications' || what === 'jobs') return end(await listApplications(run.user, what, args, say));
      say(`Orden desconocida: ${what}`);
      return end(1);
    } catch (error) {
      say(`Error del laboratorio: ${error instanceof Error ? error.message : String(error)}`);
      end(1);
    }
  }

  private async jar(run: JobRun, args: string[], cwd: string, say: (line: string) => void, signal: AbortSignal): Promise<number> {
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
    let last: JobProgress = { map: 0, reduce: 0 };
    let jobId: string | undefined;
    run.onJob({ program, map: 0, reduce: 0, state: 'running' });
    const result = await runExample(hadoopPaths(), program as ExampleProgram, rest, {
      user: run.user,
      timeoutMs: HADOOP_JOB_WALL_MS,
      signal,
      onLine: (line) => {
        say(line);
        jobId ??= /\bRunning job: (job_\d+_\d+)/.exec(line)?.[1];
      },
      onProgress: (progress) => {
        last = progress;
        run.onJob({ program, ...(jobId ? { jobId } : {}), ...progress, state: 'running' });
      },
    });
    const id = result.jobId ?? jobId;
    if (signal.aborted && id) await killApplication(run.user, id);
    run.onJob({ program, ...(id ? { jobId: id } : {}), ...last, state: result.ok ? 'succeeded' : 'failed' });
    return result.ok ? 0 : 1;
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
  const rm = envVar('CAUCE_HADOOP_RM_URL');
  if (!rm) throw new Error('no hay ResourceManager');
  const [action, id] = args;
  if (action === '-status' && id) {
    const appId = id.replace(/^job_/, 'application_');
    const response = await fetch(`${rm}/ws/v1/cluster/apps/${encodeURIComponent(appId)}`);
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
  const response = await fetch(`${rm}/ws/v1/cluster/apps?${query}`);
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

/** Kills a stopped run's application on YARN, as its user (the RM's REST API; simple authentication). */
async function killApplication(user: string, jobId: string): Promise<void> {
  const rm = envVar('CAUCE_HADOOP_RM_URL');
  if (!rm) return;
  const appId = jobId.replace(/^job_/, 'application_');
  await fetch(`${rm}/ws/v1/cluster/apps/${appId}/state?user.name=${encodeURIComponent(user)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ state: 'KILLED' }),
  }).catch((error: unknown) => console.error('[hadoop] could not kill', appId, error));
}

let gateway: JobGateway | undefined;

/** This server's job gateway (one per process). */
export function jobGateway(): JobGateway {
  gateway ??= new JobGateway();
  return gateway;
}
