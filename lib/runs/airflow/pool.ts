import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveDagWorkerRuntime, type DagWorkerRuntime } from '@/lib/sandbox/kinds/airflow-worker';
import { serverEnv } from '@/lib/env';
import { CauceError } from '@/lib/errors';
import { DEFAULT_DAG_WORKER_LIMITS, MAX_DAG_TASKS, type DagWorkerLimits } from '@/lib/limits';
import { NetworkRelays } from '@/lib/sandbox/network';
import { UidSlots } from '@/lib/sandbox/slots';
import { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { DagWorker } from './worker';

export interface DagWorkerPoolOptions {
  /** Warm workers kept waiting for a job. @default 2 ($CAUCE_AIRFLOW_POOL_SIZE) */
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
}

/** Thrown by take() when every worker uid is in use. Spanish, retriable. */
export class DagPoolBusyError extends CauceError {
  constructor() {
    super('El laboratorio de Airflow está ocupado con otras ejecuciones. Vuelve a intentarlo en unos segundos.', { retriable: true });
  }
}

/**
 * Keeps `size` one-shot workers warm so a run only pays for its own DAG. take() hands out a
 * warm worker (or waits for the next one) and immediately starts its replacement; a worker
 * never serves two runs, so nothing one student's code did can reach the next run.
 */
export class DagWorkerPool {
  readonly size: number;
  readonly limits: DagWorkerLimits;
  readonly maxTasks: number;
  private readonly slots: UidSlots;
  private readonly dirs: SlotWorkdirs;
  private readonly relays: NetworkRelays;
  private readonly installDir: string | undefined;
  private runtimePromise: Promise<DagWorkerRuntime> | undefined;
  /** Spawned, not yet handed out (warming or ready), oldest first. */
  private readonly spare: DagWorker[] = [];
  private spawning = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastError: unknown;

  constructor(options: DagWorkerPoolOptions = {}) {
    this.size = options.size ?? serverEnv().CAUCE_AIRFLOW_POOL_SIZE ?? 2;
    this.slots = new UidSlots(options.slots ?? this.size + 4, options.firstUid ?? 61_200);
    const root = options.root ?? '/run/cauce-airflow';
    this.limits = { ...DEFAULT_DAG_WORKER_LIMITS, ...options.limits };
    this.dirs = new SlotWorkdirs({ root, tmpfsMb: this.limits.tmpfsMb, label: 'cauce-airflow' });
    this.relays = new NetworkRelays(path.join(root, 'net'));
    this.maxTasks = options.maxTasks ?? MAX_DAG_TASKS;
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
    const missing = this.size - this.spare.length - this.spawning;
    for (let i = 0; i < missing; i++) void this.spawnOne();
  }

  /**
   * A warm worker for one job, preferring one that is ready. Rejects with
   * {@link DagPoolBusyError} when no uid is free, or with the setup error when workers
   * cannot start at all (Airflow not installed).
   */
  async take(): Promise<DagWorker> {
    if (this.closed) throw new Error('DAG worker pool closed');
    for (let attempt = 0; attempt < 3; attempt++) {
      const ready = await this.firstReady();
      if (ready) {
        this.warm(); // replace it right away
        return ready;
      }
    }
    throw this.lastError ?? new Error('DAG workers could not start');
  }

  /** Resolves once `size` spare workers are warm (the benchmark's "idle pool" state). */
  async whenWarm(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.warm();
    while (Date.now() < deadline) {
      const ready = await Promise.all(
        this.spare.map((worker) =>
          Promise.race([
            worker.ready.then(
              () => true,
              () => false,
            ),
            sleepFalse(100),
          ]),
        ),
      );
      if (ready.filter(Boolean).length >= this.size) return;
      await sleepFalse(100);
    }
    throw new Error('DAG worker pool did not warm up in time');
  }

  /** Kills every spare worker. Running ones end with their runs. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await Promise.all(this.spare.splice(0).map((worker) => worker.dispose()));
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

  private async firstReady(): Promise<DagWorker | undefined> {
    if (this.spare.length === 0) {
      if (this.spawning === 0) await this.spawnOne();
      else await new Promise((resolve) => setTimeout(resolve, 50));
      if (this.spare.length === 0) {
        if (this.spawning > 0) return this.firstReady();
        return undefined;
      }
    }
    // Whichever spare becomes ready first; the ones still warming stay spare.
    const candidates = [...this.spare];
    const winner = await Promise.any(candidates.map((worker) => worker.ready.then(() => worker))).catch(() => undefined);
    if (!winner) return undefined;
    const index = this.spare.indexOf(winner);
    if (index === -1) return this.firstReady(); // taken by a concurrent take()
    this.spare.splice(index, 1);
    if (!winner.alive) {
      void winner.dispose();
      this.warm();
      return this.firstReady();
    }
    return winner;
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
        worker = await DagWorker.spawn({ slot, dirs: this.dirs, relays: this.relays, runtime: await this.runtime(), limits: this.limits, maxTasks: this.maxTasks });
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
    }
  }

  /** A spare died while warming: forget it and retry with backoff (1 s, 2 s … 30 s). */
  private onWorkerFailed(worker: DagWorker, error: unknown): void {
    const index = this.spare.indexOf(worker);
    if (index !== -1) this.spare.splice(index, 1);
    void worker.dispose();
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
}

function sleepFalse(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms));
}

const holder = globalThis as typeof globalThis & { __cauceDagPool?: DagWorkerPool };

/** The server's pool (kept on globalThis so dev reloads do not leak workers). */
export function defaultDagWorkerPool(): DagWorkerPool {
  holder.__cauceDagPool ??= new DagWorkerPool();
  return holder.__cauceDagPool;
}

/** Call once at server start: the first student run then finds warm workers. */
export function warmAirflowPool(): void {
  defaultDagWorkerPool().warm();
}
