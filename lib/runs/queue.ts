import os from 'node:os';
import type { Run } from './run';

export type Executor = (run: Run) => Promise<void>;

/**
 * Global cap on concurrent runs, sized to the cores: more would only make every run slower.
 * Waiting runs see their place ("En cola: 3") and may be stopped while they wait.
 */
export class RunQueue {
  private readonly waiting: Run[] = [];
  private active = 0;

  constructor(
    private readonly execute: Executor,
    readonly capacity = Math.max(1, os.availableParallelism()),
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  enqueue(run: Run): void {
    this.waiting.push(run);
    run.abort.signal.addEventListener('abort', () => this.leave(run), { once: true });
    this.announcePositions();
    this.pump();
  }

  private leave(run: Run) {
    const index = this.waiting.indexOf(run);
    if (index < 0) return; // already running: the executor handles the stop
    this.waiting.splice(index, 1);
    run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 0, message: 'Detuviste la ejecución antes de que empezara.' });
    this.announcePositions();
  }

  private announcePositions() {
    this.waiting.forEach((run, index) => {
      if (index >= 0 && this.active >= this.capacity) {
        run.emit({ type: 'status', state: 'queued', position: index + 1, message: `En cola: ${index + 1}` });
      }
    });
  }

  private pump() {
    while (this.active < this.capacity && this.waiting.length > 0) {
      const run = this.waiting.shift()!;
      this.active += 1;
      run.state = 'running';
      void this.execute(run).finally(() => {
        this.active -= 1;
        this.pump();
        this.announcePositions();
      });
    }
  }
}
