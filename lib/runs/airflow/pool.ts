import { readdir, readFile } from 'node:fs/promises';
import { perProcess } from '@/lib/per-process';
import path from 'node:path';
import { resolveDagWorkerRuntime, type DagWorkerRuntime } from '@/lib/sandbox/kinds/airflow-worker';
import { runCapacity, serverEnv } from '@/lib/env';
import { CauceError } from '@/lib/errors';
import { DEFAULT_DAG_WORKER_LIMITS, MAX_DAG_TASKS, type DagWorkerLimits } from '@/lib/limits';
import { NetworkRelays } from '@/lib/sandbox/network';
import { UidSlots } from '@/lib/sandbox/slots';
import { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { DagWorker } from './worker';
import { SANDBOX_UIDS } from '@/lib/sandbox/uids';

export interface DagWorkerPoolOptions {
  /** Warm workers kept waiting for a job. @default $CAUCE_AIRFLOW_POOL_SIZE, else the DAG runs at once (runCapacity) */
  size?: number;
  /** uid of the first worker slot; away from kafka-ts (61000+) and the sandbox tests (61100+). @default 61200 */
  firstUid?: number;
  /** Worker uids (idle + running at once). @default size + 4 */
  slots?: number;
  /** Parent of the per-uid tmpfs folders. @default '/run/cauce-airflow' */
  root?: string;
  /** @default DEFAULT_DAG_WORKER_LIMITS */
  limits?: Partial<DagWorkerLimits>;
  /** Largest DAG (in tasks) a run may execute. @default MAX_DAG_TASKS (100) */
  maxTasks?: number;
  /** @default $CAUCE_AIRFLOW_INSTALL_DIR or <cwd>/.lab/airflow */
  installDir?: string;
  /**
   * Jobs one sandbox serves before it is replaced. Its zygote never runs a job, so it does not
   * accumulate a student's state; a fresh start now and then still bounds what a long-lived
   * process gathers (heap fragmentation, its own CPU time against RLIMIT_CPU). @default 200
   */
  maxRuns?: number;
}

/** Thrown by take() when every worker uid is in use. Spanish, retriable. */
export class DagPoolBusyError extends CauceError {
  constructor() {
    super('El laboratorio de Airflow está ocupado con otras ejecuciones. Vuelve a intentarlo en unos segundos.', { retriable: true });
  }
}

/**
 * Keeps `size` warm workers, each a sandboxed zygote that serves one job at a time in a process
 * forked for it (see worker.ts). take() hands out an idle worker; after its job the worker
 * cleans its sandbox and comes back. A worker is replaced when it dies, when a job had to be
 * killed with its whole sandbox, or after `maxRuns` jobs; nothing one student's code did
 * reaches the next run (the zygote kills what the job left and restores /tmp).
 */
export class DagWorkerPool {
  readonly size: number;
  readonly limits: DagWorkerLimits;
  readonly maxTasks: number;
  readonly maxRuns: number;
  private readonly slots: UidSlots;
  private readonly dirs: SlotWorkdirs;
  private readonly relays: NetworkRelays;
  private readonly installDir: string | undefined;
  private runtimePromise: Promise<DagWorkerRuntime> | undefined;
  /** Alive and not handed out (warming, cleaning after a job, or idle), oldest first. */
  private readonly spare: DagWorker[] = [];
  /** Handed out by take(), until their job has ended. */
  private readonly busy = new Set<DagWorker>();
  private spawning = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError: unknown;
  private readonly waiters = new Set<() => void>();

  constructor(options: DagWorkerPoolOptions = {}) {
    this.size = options.size ?? serverEnv().CAUCE_AIRFLOW_POOL_SIZE ?? runCapacity().airflowDag;
    this.slots = new UidSlots(options.slots ?? this.size + 4, options.firstUid ?? SANDBOX_UIDS.dagWorkers);
    const root = options.root ?? '/run/cauce-airflow';
    this.limits = { ...DEFAULT_DAG_WORKER_LIMITS, ...options.limits };
    this.dirs = new SlotWorkdirs({ root, tmpfsMb: this.limits.tmpfsMb, label: 'cauce-airflow' });
    this.relays = new NetworkRelays(path.join(root, 'net'));
    this.maxTasks = options.maxTasks ?? MAX_DAG_TASKS;
    this.maxRuns = options.maxRuns ?? 200;
    this.installDir = options.installDir;
  }

  /** Resolved once; a failure (lab not installed yet) is retried on the next call. */
  runtime(): Promise<DagWorkerRuntime> {
    this.runtimePromise ??= resolveDagWorkerRuntime(this.installDir).catch((error: unknown) => {
      this.runtimePromise = undefined;
      throw error;
    });
    return this.runtimePromise;
  }

  /** Starts warming workers up to `size` (call at server start so the first run is warm too). */
  warm(): void {
    if (this.closed) return;
    const missing = this.size - this.spare.length - this.busy.size - this.spawning;
    for (let i = 0; i < missing; i++) void this.spawnOne();
  }

  /**
   * An idle worker for one job (waiting for one to warm up or to come back from its job).
   * Rejects with the setup error when workers cannot start at all (Airflow not installed), or
   * with {@link DagPoolBusyError} when none is free for longer than a run may last.
   */
  async take(): Promise<DagWorker> {
    const deadline = Date.now() + this.limits.wallMs + 30_000;
    this.warm();
    for (;;) {
      if (this.closed) throw new Error('DAG worker pool closed');
      const idle = this.spare.find((worker) => worker.state === 'idle');
      if (idle) {
        this.spare.splice(this.spare.indexOf(idle), 1);
        this.busy.add(idle);
        return idle;
      }
      // Every live worker busy on a larger machine's queue: one more, up to the uid slots.
      if (this.spare.length === 0 && this.spawning === 0 && this.busy.size > 0 && this.busy.size < this.slots.size) void this.spawnOne();
      if (this.spare.length === 0 && this.spawning === 0 && this.busy.size === 0) {
        throw this.lastError ?? new Error('DAG workers could not start');
      }
      if (Date.now() > deadline) throw new DagPoolBusyError();
      await this.changed(1_000);
    }
  }

  /** Resolves once `size` workers are idle (the benchmark's "idle pool" state). */
  async whenWarm(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.warm();
    while (this.spare.filter((worker) => worker.state === 'idle').length < this.size) {
      if (Date.now() > deadline) throw new Error('DAG worker pool did not warm up in time');
      await this.changed(100);
    }
  }

  /** Kills every spare worker. Running ones end with their runs. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await Promise.all(this.spare.splice(0).map((worker) => worker.dispose()));
    this.notify();
  }

  /** Pids of the spare workers' sandboxes (for the RSS figure of the benchmark). */
  sparePids(): number[] {
    return this.spare.map((worker) => worker.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Resident memory of every process running as a pool uid, in bytes. */
  async residentBytes(): Promise<number> {
    let total = 0;
    const first = this.slots.firstUid;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid < first || uid >= first + this.slots.size) continue;
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    }
    return total;
  }

  /** A worker's state changed: back from its job, gone, or ready. */
  private onWorkerChange(worker: DagWorker): void {
    const state = worker.state;
    if (state === 'gone') {
      this.forget(worker);
      // A worker that never got warm is retried with backoff by onWorkerFailed, not here.
      if (worker.warmed) this.warm();
    } else if ((state === 'idle' || state === 'cleaning') && this.busy.has(worker)) {
      this.busy.delete(worker);
      const surplus = this.spare.length >= this.size;
      if (this.closed || surplus || worker.runs >= this.maxRuns) void worker.dispose();
      else this.spare.push(worker);
    }
    this.notify();
  }

  private forget(worker: DagWorker): void {
    this.busy.delete(worker);
    const index = this.spare.indexOf(worker);
    if (index !== -1) this.spare.splice(index, 1);
  }

  private async spawnOne(): Promise<void> {
    if (this.closed) return;
    this.spawning += 1;
    try {
      const slot = await this.slots.acquire();
      if (!slot) {
        this.lastError = new DagPoolBusyError();
        return;
      }
      let worker: DagWorker;
      try {
        worker = await DagWorker.spawn({
          slot,
          dirs: this.dirs,
          relays: this.relays,
          runtime: await this.runtime(),
          limits: this.limits,
          maxTasks: this.maxTasks,
          onChange: (changed) => this.onWorkerChange(changed),
        });
      } catch (error) {
        await slot.release().catch(() => undefined);
        throw error;
      }
      if (this.closed) return void (await worker.dispose()); // close() ran while it was spawning
      this.spare.push(worker);
      worker.ready.then(
        () => (this.failures = 0),
        (error: unknown) => this.onWorkerFailed(worker, error),
      );
    } catch (error) {
      this.lastError = error;
      this.failures += 1;
    } finally {
      this.spawning -= 1;
      this.notify();
    }
  }

  /** A spare died while warming: forget it and retry with backoff (1 s, 2 s … 30 s). */
  private onWorkerFailed(worker: DagWorker, error: unknown): void {
    this.forget(worker);
    void worker.dispose();
    this.notify();
    if (this.closed) return; // close() killed it
    this.lastError = error;
    this.failures += 1;
    console.error('[airflow] DAG worker failed while warming', error);
    if (this.retryTimer) return;
    const delay = Math.min(1_000 * 2 ** (this.failures - 1), 30_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.warm();
    }, delay);
    this.retryTimer.unref();
  }

  /** Resolves on the pool's next change (a worker ready, back, gone; a spawn settled), or after `ms`. */
  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The server's pool (kept on globalThis so dev reloads do not leak workers). */
export function defaultDagWorkerPool(): DagWorkerPool {
  return perProcess('airflow:dag-pool', () => new DagWorkerPool());
}

/** Call once at server start: the first student run then finds warm workers. */
export function warmAirflowPool(): void {
  defaultDagWorkerPool().warm();
}
