import os from 'node:os';
import { LOCAL_OWNER, type Run } from './run';

export type Executor = (run: Run) => Promise<void>;

export interface RunQueueOptions {
  /** Global cap on concurrent runs. @default the number of cores */
  capacity?: number;
  /** Concurrent runs per owner (student); the single-user "local" owner is exempt. @default 1 */
  perOwner?: number;
}

/**
 * Global cap on concurrent runs, sized to the cores: more would only make every run slower.
 * In course mode each student also runs one thing at a time; their next run waits its turn.
 * Waiting runs see their place ("En cola: 3") and may be stopped while they wait.
 */
export class RunQueue {
  private readonly waiting: Run[] = [];
  private readonly activeBy = new Map<string, number>();
  private active = 0;
  readonly capacity: number;
  readonly perOwner: number;

  constructor(
    private readonly execute: Executor,
    options: RunQueueOptions | number = {},
  ) {
    const { capacity, perOwner } = typeof options === 'number' ? { capacity: options } : options;
    this.capacity = capacity ?? Math.max(1, os.availableParallelism());
    this.perOwner = perOwner ?? 1;
  }

  get length(): number {
    return this.waiting.length;
  }

  /** How many runs of this owner are waiting or running. */
  pendingFor(ownerKey: string): { waiting: number; running: number } {
    return { waiting: this.waiting.filter((r) => r.owner.key === ownerKey).length, running: this.activeBy.get(ownerKey) ?? 0 };
  }

  enqueue(run: Run): void {
    this.waiting.push(run);
    run.abort.signal.addEventListener('abort', () => this.leave(run), { once: true });
    this.pump();
    this.announcePositions();
  }

  private leave(run: Run) {
    const index = this.waiting.indexOf(run);
    if (index < 0) return; // already running: the executor handles the stop
    this.waiting.splice(index, 1);
    run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 0, message: 'Detuviste la ejecución antes de que empezara.' });
    this.announcePositions();
  }

  private ownerBusy(run: Run): boolean {
    return run.owner.key !== LOCAL_OWNER.key && (this.activeBy.get(run.owner.key) ?? 0) >= this.perOwner;
  }

  private announcePositions() {
    this.waiting.forEach((run, index) => {
      const position = index + 1;
      if (this.ownerBusy(run)) {
        run.emit({ type: 'status', state: 'queued', position, message: `En cola: ${position} (espera a que termine tu otra ejecución)` });
      } else if (this.active >= this.capacity) {
        run.emit({ type: 'status', state: 'queued', position, message: `En cola: ${position}` });
      }
    });
  }

  private pump() {
    while (this.active < this.capacity) {
      const index = this.waiting.findIndex((run) => !this.ownerBusy(run));
      if (index < 0) return;
      const [run] = this.waiting.splice(index, 1) as [Run];
      this.active += 1;
      this.activeBy.set(run.owner.key, (this.activeBy.get(run.owner.key) ?? 0) + 1);
      run.state = 'running';
      void this.execute(run).finally(() => {
        this.active -= 1;
        const left = (this.activeBy.get(run.owner.key) ?? 1) - 1;
        if (left > 0) this.activeBy.set(run.owner.key, left);
        else this.activeBy.delete(run.owner.key);
        this.pump();
        this.announcePositions();
      });
    }
  }
}
