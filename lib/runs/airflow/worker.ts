import { spawn, type ChildProcess } from 'node:child_process';
import { constants as os } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { runCgroup, type RunCgroup } from '@/lib/sandbox/cgroup';
import { buildSandboxCommand } from '@/lib/sandbox/command';
import { dagWorkerSandboxSpec, type DagWorkerRuntime } from '@/lib/sandbox/kinds/airflow-worker';
import { CPU_WEIGHT, type DagWorkerLimits } from '@/lib/limits';
import type { NetworkRelays } from '@/lib/sandbox/network';
import type { UidSlot } from '@/lib/sandbox/slots';
import type { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { parseWorkerLine, type WorkerEvent, type WorkerJob } from './protocol';

/** How a worker's job ended, from the host's point of view. */
export type WorkerEndReason = 'finished' | 'timeout' | 'stopped' | 'output-limit' | 'cpu-limit' | 'memory-limit' | 'crashed';

export interface WorkerEnd {
  reason: WorkerEndReason;
  exitCode: number | null;
  signal: string | null;
  /** From job hand-over to exit. */
  durationMs: number;
  /** CPU time of the job process and every child it reaped (the zygote's jobExit); null when the sandbox itself ended. */
  cpuMs: number | null;
  /** The kernel's OOM killer ended a process of the worker's tree (its cgroup outgrew its budget). */
  oomKilled: boolean;
  /** Last stderr lines of the sandbox chain (bwrap, a Python crash before capture): server logs only. */
  stderrTail: string[];
}

export interface DagWorkerOptions {
  slot: UidSlot;
  dirs: SlotWorkdirs;
  relays: NetworkRelays;
  runtime: DagWorkerRuntime;
  limits: DagWorkerLimits;
  maxTasks: number;
  /** Called whenever the worker becomes ready, busy or gone (the pool's bookkeeping). */
  onChange?: (worker: DagWorker) => void;
}

/** Where a worker is in its life; only an `idle` one may be handed a job. */
export type DagWorkerState = 'warming' | 'idle' | 'busy' | 'cleaning' | 'gone';

/** Resolved by the worker's events; every deferred is settled exactly once. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // observed by whoever waits; never unhandled
  return { promise, resolve, reject };
}

type JobExit = Extract<WorkerEvent, { event: 'jobExit' }>;

/** How long a stopped job may take to end before the whole sandbox is killed instead. */
const STOP_GRACE_MS = 1_000;

/**
 * One sandboxed Python worker: spawned warm (Airflow imported, a DAG already run once), then a
 * zygote that serves one job at a time, each in a process forked for it and thrown away
 * (lab/airflow/worker/cauce_zygote.py). Between two jobs the zygote kills every other process
 * of the sandbox and restores /tmp; a job stopped from outside is killed inside the sandbox,
 * and only when that does not work, or the zygote cannot clean up, is the whole sandbox gone.
 * Owns its uid slot and /tmp folder and releases both in dispose(), whatever happened.
 */
export class DagWorker {
  readonly spawnedAt = Date.now();
  /** Jobs this sandbox has run (the pool retires it after its limit). */
  runs = 0;
  /** It finished its warm-up once (a worker that dies before is the pool's backoff case). */
  warmed = false;
  private current: Deferred<{ warmMs: number }> = deferred();
  private readonly first = this.current.promise;
  private phase: DagWorkerState = 'warming';
  private child: ChildProcess | undefined;
  private onEvent: ((event: WorkerEvent) => void) | undefined;
  private jobExit: Deferred<JobExit | undefined> | undefined;
  private killReason: WorkerEndReason | undefined;
  /** This job's end was a kill of the whole sandbox (it cannot serve again). */
  private killedSandbox = false;
  /** The zygote said ready again before run() had finished its bookkeeping. */
  private cleanAgain = false;
  private bytes = 0;
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private disposed: Promise<void> | undefined;
  private dirs: { src: string; tmp: string } | undefined;

  private constructor(
    private readonly options: DagWorkerOptions,
    dirs: { src: string; tmp: string },
    private readonly cgroup: RunCgroup | null,
    command: { file: string; args: string[] },
  ) {
    this.dirs = dirs;
    // env {} on purpose: bwrap's pid 1 keeps this environment, readable at /proc/1/environ.
    const child = spawn(command.file, command.args, { env: {} as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stdin.on('error', () => undefined); // the worker may be gone before we write
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    void this.exited.then(({ code, signal }) => {
      this.current.reject(new Error(`DAG worker exited (${signal ?? code}): ${this.stderrTail.join('\n')}`));
      this.jobExit?.resolve(undefined);
      this.setPhase('gone');
    });
    this.readLines(child);
  }

  static async spawn(options: DagWorkerOptions): Promise<DagWorker> {
    const { slot, limits } = options;
    const [dirs, network, cgroup] = await Promise.all([
      options.dirs.prepare(slot),
      options.relays.forSlot(slot.uid, []), // a DAG run reaches nothing
      runCgroup(slot.uid, { memoryMb: limits.memoryMb, processes: limits.processes, cpuWeight: CPU_WEIGHT.batch }),
    ]);
    const command = buildSandboxCommand(
      dagWorkerSandboxSpec({ uid: slot.uid, limits, runtime: options.runtime, tmp: dirs.tmp, maxTasks: options.maxTasks, network, cgroupProcs: cgroup?.procs ?? [] }),
    );
    return new DagWorker(options, dirs, cgroup, command);
  }

  /** Resolves when the worker is first warm; rejects if it dies or fails while warming. */
  get ready(): Promise<{ warmMs: number }> {
    return this.first;
  }

  get state(): DagWorkerState {
    return this.alive ? this.phase : 'gone';
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** False once the sandbox has exited (an idle worker can die: OOM killer, a reaped uid). */
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Hands one job over and streams its events until its process is gone. Never rejects: every
   * end is a {@link WorkerEnd}. Afterwards the worker cleans itself up for the next job (state
   * `cleaning`, then `idle`), or is disposed when the job could not be ended inside it.
   */
  async run(job: WorkerJob, onEvent: (event: WorkerEvent) => void, signal?: AbortSignal): Promise<WorkerEnd> {
    const started = Date.now();
    if (this.state !== 'idle') {
      // Died between take() and now (the OOM killer, a reaped uid): the run ends as a crash.
      return { reason: 'crashed', exitCode: null, signal: null, durationMs: 0, cpuMs: null, oomKilled: false, stderrTail: [`DAG worker was ${this.state}, not idle`] };
    }
    this.setPhase('busy');
    this.killReason = undefined;
    this.cleanAgain = false;
    this.bytes = 0;
    this.stderrTail.length = 0;
    const oomBefore = (await this.cgroup?.oomKills().catch(() => 0)) ?? 0;
    this.onEvent = onEvent;
    this.jobExit = deferred();
    this.current = deferred();
    const timer = setTimeout(() => this.stop('timeout'), this.options.limits.wallMs);
    const onAbort = () => this.stop('stopped');
    this.child?.stdin?.write(JSON.stringify(job) + '\n'); // before any stop: the zygote ignores a stop with no job
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.stop('stopped');
    const exit = await this.jobExit.promise;
    this.jobExit = undefined;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    this.onEvent = undefined;
    const durationMs = Date.now() - started;
    // The kernel's OOM killer inside the worker's cgroup: the whole tree outgrew its budget.
    const oomKilled = this.cgroup ? (await this.cgroup.oomKills().catch(() => oomBefore)) > oomBefore : false;
    const end = exit ? this.jobEnd(exit, oomKilled, durationMs) : await this.sandboxEnd(oomKilled, durationMs);
    if (exit && this.alive && !this.killedSandbox) {
      this.runs += 1;
      this.setPhase(this.cleanAgain ? 'idle' : 'cleaning');
    } else {
      await this.dispose();
    }
    return end;
  }

  /** A taken worker that got no job (the run was stopped first) goes back to the pool as it is. */
  giveBack(): void {
    if (this.state === 'idle') this.options.onChange?.(this);
  }

  /** Kills the sandbox (if alive), then frees the folder and the uid slot. Idempotent. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      this.kill(this.killReason ?? 'stopped');
      await this.exited;
      if (this.dirs) await this.options.dirs.clean(this.dirs).catch(() => undefined);
      this.dirs = undefined;
      await this.options.slot.release().catch((error: unknown) => console.error('[airflow] slot release failed', error));
      this.setPhase('gone');
    })();
    return this.disposed;
  }

  /** The job's process ended: its own exit, as the zygote saw it. */
  private jobEnd(exit: JobExit, oomKilled: boolean, durationMs: number): WorkerEnd {
    let reason: WorkerEndReason = this.killReason ?? (exit.code === 0 && !exit.signal ? 'finished' : 'crashed');
    if (!this.killReason && oomKilled) reason = 'memory-limit';
    // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL at the hard one (a second later). A SIGKILL
    // before that much CPU came from elsewhere (a task killing its own job), not from the limit.
    else if (!this.killReason && (exit.signal === 'SIGXCPU' || (exit.signal === 'SIGKILL' && exit.cpuMs >= this.options.limits.cpuSeconds * 1000))) reason = 'cpu-limit';
    return { reason, exitCode: exit.code, signal: exit.signal, durationMs, cpuMs: exit.cpuMs, oomKilled, stderrTail: [...this.stderrTail] };
  }

  /** The whole sandbox ended during the job (killed by us, the OOM killer, a crash of the zygote). */
  private async sandboxEnd(oomKilled: boolean, durationMs: number): Promise<WorkerEnd> {
    const { code, signal: killedBy } = await this.exited;
    // bwrap reports a signal-killed child as 128 + signal number.
    const exitSignal = code !== null && code > 128 ? signalName(code - 128) : killedBy;
    let reason: WorkerEndReason = this.killReason ?? (code === 0 ? 'finished' : 'crashed');
    if (!this.killReason && oomKilled) reason = 'memory-limit';
    else if (!this.killReason && exitSignal === 'SIGXCPU') reason = 'cpu-limit';
    return { reason, exitCode: exitSignal ? null : code, signal: exitSignal ?? null, durationMs, cpuMs: null, oomKilled, stderrTail: [...this.stderrTail] };
  }

  /** Ends the running job from inside (the zygote kills it and cleans up); the sandbox if that is slow. */
  private stop(reason: WorkerEndReason): void {
    if (this.killReason || !this.jobExit) return;
    this.killReason = reason;
    this.onEvent = undefined; // nothing more of this job reaches the student
    this.child?.stdin?.write('stop\n');
    const exit = this.jobExit;
    const fallback = setTimeout(() => this.kill(reason), STOP_GRACE_MS);
    void exit.promise.then(() => clearTimeout(fallback));
  }

  private kill(reason: WorkerEndReason): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.killReason ??= reason;
    this.killedSandbox = true;
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL'); // the group: setpriv→prlimit→bwrap is one pid
    } catch {
      // already gone
    }
  }

  private setPhase(phase: DagWorkerState): void {
    if (this.phase === phase || this.phase === 'gone') return;
    this.phase = phase;
    this.options.onChange?.(this);
  }

  private handle(event: WorkerEvent): void {
    switch (event.event) {
      case 'ready':
        this.warmed = true;
        this.current.resolve({ warmMs: event.warmMs });
        if (this.phase === 'busy')
          this.cleanAgain = true; // run() is still reading the job's end
        else this.setPhase('idle');
        return;
      case 'fatal': {
        // Warm-up failed, or the zygote could not clean up after a job: it exits next.
        const error = new Error(`DAG worker failed: ${event.message}\n${event.detail ?? ''}`);
        if (this.phase !== 'warming') console.error('[airflow] DAG worker retired', error.message);
        this.current.reject(error);
        return;
      }
      case 'jobExit':
        this.jobExit?.resolve(event);
        return;
      default:
        this.onEvent?.(event);
    }
  }

  private readLines(child: ChildProcess): void {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (this.phase === 'busy') {
        this.bytes += chunk.length;
        if (this.bytes > this.options.limits.outputBytes) this.stop('output-limit');
      }
      pending += decoder.write(chunk);
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const event = parseWorkerLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (event) this.handle(event);
      }
      // A line that never ends (a job writing megabytes without a newline) is not kept whole.
      if (pending.length > MAX_PENDING_CHARS) pending = '';
    });
    const errDecoder = new StringDecoder('utf8');
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of errDecoder.write(chunk).split('\n')) {
        if (!line.trim()) continue;
        this.stderrTail.push(line.slice(0, 500));
        if (this.stderrTail.length > 30) this.stderrTail.shift();
      }
    });
  }
}

/** Longest protocol line kept while waiting for its end (the worker's own lines are far shorter). */
const MAX_PENDING_CHARS = 4 * 1024 * 1024;

function signalName(number: number): string | null {
  return Object.entries(os.signals).find(([, n]) => n === number)?.[0] ?? null;
}
