import { spawn, type ChildProcess } from 'node:child_process';
import { constants as os } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { runCgroup, type RunCgroup } from '@/lib/sandbox/cgroup';
import { buildSandboxCommand } from '@/lib/sandbox/command';
import { dagWorkerSandboxSpec, type DagWorkerRuntime } from '@/lib/sandbox/kinds/airflow-worker';
import type { DagWorkerLimits } from '@/lib/limits';
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
}

/**
 * One sandboxed, one-shot Python worker: spawned warm (Airflow imported, a DAG already run
 * once), handed exactly one job, then gone. Owns its uid slot and /tmp folder and releases
 * both in dispose(), whatever happened.
 */
export class DagWorker {
  /** Resolves when the worker is warm; rejects if it dies or fails while warming. */
  readonly ready: Promise<{ warmMs: number }>;
  readonly spawnedAt = Date.now();
  private child: ChildProcess | undefined;
  private onEvent: ((event: WorkerEvent) => void) | undefined;
  private killReason: WorkerEndReason | undefined;
  private bytes = 0;
  private readonly stderrTail: string[] = [];
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private disposed: Promise<void> | undefined;
  private dirs: { src: string; tmp: string } | undefined;

  private constructor(
    private readonly options: DagWorkerOptions,
    dirs: { src: string; tmp: string },
    private readonly cgroup: RunCgroup | null,
    private readonly oomBefore: number,
    command: { file: string; args: string[] },
  ) {
    this.dirs = dirs;
    // env {} on purpose: bwrap's pid 1 keeps this environment, readable at /proc/1/environ.
    const child = spawn(command.file, command.args, { env: {} as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stdin.on('error', () => undefined); // the worker may be gone before we write
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      this.onEvent = (event) => {
        if (event.event === 'ready') resolve({ warmMs: event.warmMs });
        else if (event.event === 'fatal') reject(new Error(`DAG worker warm-up failed: ${event.message}\n${event.detail ?? ''}`));
      };
      void this.exited.then(({ code, signal }) => reject(new Error(`DAG worker exited while warming (${signal ?? code}): ${this.stderrTail.join('\n')}`)));
    });
    this.ready.catch(() => undefined); // observed by whoever waits; never unhandled
    this.readLines(child);
  }

  static async spawn(options: DagWorkerOptions): Promise<DagWorker> {
    const { slot, limits } = options;
    const [dirs, network, cgroup] = await Promise.all([
      options.dirs.prepare(slot),
      options.relays.forSlot(slot.uid, []), // a DAG run reaches nothing
      runCgroup(slot.uid, { memoryMb: limits.memoryMb, processes: limits.processes }),
    ]);
    const command = buildSandboxCommand(
      dagWorkerSandboxSpec({ uid: slot.uid, limits, runtime: options.runtime, tmp: dirs.tmp, maxTasks: options.maxTasks, network, cgroupProcs: cgroup?.procs ?? [] }),
    );
    return new DagWorker(options, dirs, cgroup, (await cgroup?.oomKills()) ?? 0, command);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** False once the sandbox has exited (an idle worker can die: OOM killer, a reaped uid). */
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Hands the job over and streams the worker's events until it exits. Never rejects: every
   * end is a {@link WorkerEnd}; the worker is disposed afterwards.
   */
  async run(job: WorkerJob, onEvent: (event: WorkerEvent) => void, signal?: AbortSignal): Promise<WorkerEnd> {
    const started = Date.now();
    this.onEvent = onEvent;
    const timer = setTimeout(() => this.kill('timeout'), this.options.limits.wallMs);
    const onAbort = () => this.kill('stopped');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) this.kill('stopped');
    this.child?.stdin?.end(JSON.stringify(job) + '\n');
    const { code, signal: killedBy } = await this.exited;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    const durationMs = Date.now() - started;
    // bwrap reports a signal-killed child as 128 + signal number.
    const exitSignal = code !== null && code > 128 ? signalName(code - 128) : killedBy;
    let reason: WorkerEndReason = this.killReason ?? (code === 0 ? 'finished' : 'crashed');
    // The kernel's OOM killer inside the worker's cgroup: the whole tree outgrew its budget.
    const oomKilled = this.cgroup ? (await this.cgroup.oomKills().catch(() => this.oomBefore)) > this.oomBefore : false;
    if (!this.killReason && oomKilled) reason = 'memory-limit';
    else if (!this.killReason && (exitSignal === 'SIGXCPU' || exitSignal === 'SIGKILL')) reason = 'cpu-limit';
    await this.dispose();
    return { reason, exitCode: exitSignal ? null : code, signal: exitSignal ?? null, durationMs, oomKilled, stderrTail: [...this.stderrTail] };
  }

  /** Kills the sandbox (if alive), then frees the folder and the uid slot. Idempotent. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      this.kill(this.killReason ?? 'stopped');
      await this.exited;
      if (this.dirs) await this.options.dirs.clean(this.dirs).catch(() => undefined);
      this.dirs = undefined;
      await this.options.slot.release().catch((error: unknown) => console.error('[airflow] slot release failed', error));
    })();
    return this.disposed;
  }

  private kill(reason: WorkerEndReason): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.killReason ??= reason;
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL'); // the group: setpriv→prlimit→bwrap is one pid
    } catch {
      // already gone
    }
  }

  private readLines(child: ChildProcess): void {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      if (this.bytes > this.options.limits.outputBytes) return this.kill('output-limit');
      pending += decoder.write(chunk);
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const event = parseWorkerLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (event) this.onEvent?.(event);
      }
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

function signalName(number: number): string | null {
  return Object.entries(os.signals).find(([, n]) => n === number)?.[0] ?? null;
}
