import os from 'node:os';
import { queuedMessage } from './messages';
import { LOCAL_OWNER, type Run } from './run';

export type Executor = (run: Run) => Promise<void>;

/** Where a run waits for room: runs of one lane share its places (one lane per kind, in the server). */
export interface Lane {
  key: string;
  /** Runs of this lane at once. */
  capacity: number;
}

export interface RunQueueOptions {
  /** Cap on concurrent runs, all lanes together. @default the number of cores */
  capacity?: number;
  /** The lane a run takes. @default one lane of `capacity` for every run */
  lane?: (run: Run) => Lane;
  /** Concurrent runs per owner (student); the single-user "local" owner is exempt. @default 1 */
  perOwner?: number;
  /**
   * How long a run of this kind is expected to take before one has been seen to end (the
   * queue then learns from the runs of the same example). @default 5 s
   */
  expectedMs?: (run: Run) => number;
  /** How often the waiting runs' estimates are refreshed. @default 1 s */
  refreshMs?: number;
  now?: () => number;
}

/** Weight of the newest duration in an example's running average. */
const LEARNING_RATE = 0.3;
/** A running run past its expected end is assumed to need at least this much more. */
const OVERDUE_MS = 2_000;

interface Planned {
  run: Run;
  /** When it is expected to start (ms, the queue's clock). */
  startAt: number;
  /** Its owner's other run is running now: it waits for that one first. */
  behindOwn: boolean;
}

/**
 * The runs waiting for a slot and the ones holding one. A slot is taken by whichever waiting
 * run's owner was served longest ago (round robin between students), so a student who clicks
 * five times waits behind everyone else's next run, not in front of it. In course mode each
 * student also runs one thing at a time. Waiting runs see their place and an estimated wait
 * ("En cola: 2 · unos 15 s"), refreshed as runs end, and may be stopped while they wait.
 */
export class RunQueue {
  private readonly waiting: Run[] = [];
  private readonly running = new Map<Run, number>();
  /** Serving turn each owner last got (a counter): lower goes first. */
  private readonly lastServed = new Map<string, number>();
  private turn = 0;
  /** Average duration of each example's runs, learnt as they end. */
  private readonly averageMs = new Map<string, number>();
  private readonly announced = new WeakMap<Run, string>();
  private refresher: NodeJS.Timeout | undefined;
  readonly capacity: number;
  readonly perOwner: number;
  private readonly laneOf: (run: Run) => Lane;
  private readonly defaultExpectedMs: (run: Run) => number;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly execute: Executor,
    options: RunQueueOptions | number = {},
  ) {
    const resolved = typeof options === 'number' ? { capacity: options } : options;
    this.capacity = resolved.capacity ?? Math.max(1, os.availableParallelism());
    const single: Lane = { key: 'all', capacity: this.capacity };
    this.laneOf = resolved.lane ?? (() => single);
    this.perOwner = resolved.perOwner ?? 1;
    this.defaultExpectedMs = resolved.expectedMs ?? (() => 5_000);
    this.refreshMs = resolved.refreshMs ?? 1_000;
    this.now = resolved.now ?? Date.now;
  }

  get length(): number {
    return this.waiting.length;
  }

  /** How many runs of this owner are waiting or running. */
  pendingFor(ownerKey: string): { waiting: number; running: number } {
    return { waiting: this.waiting.filter((r) => r.owner.key === ownerKey).length, running: this.runningOf(ownerKey) };
  }

  enqueue(run: Run): void {
    this.waiting.push(run);
    run.abort.signal.addEventListener('abort', () => this.leave(run), { once: true });
    this.pump();
    this.announce();
  }

  /** What a run of this example is expected to take: what its last runs took, or its kind's guess. */
  expectedMs(run: Run): number {
    return this.averageMs.get(run.request.snippet) ?? this.defaultExpectedMs(run);
  }

  private leave(run: Run) {
    const index = this.waiting.indexOf(run);
    if (index < 0) return; // already running: the executor handles the stop
    this.waiting.splice(index, 1);
    run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 0, message: 'Detuviste la ejecución antes de que empezara.' });
    this.announce();
  }

  private runningOf(ownerKey: string): number {
    let count = 0;
    for (const run of this.running.keys()) if (run.owner.key === ownerKey) count += 1;
    return count;
  }

  private runningIn(lane: string): number {
    let count = 0;
    for (const run of this.running.keys()) if (this.laneOf(run).key === lane) count += 1;
    return count;
  }

  private exempt(ownerKey: string): boolean {
    return ownerKey === LOCAL_OWNER.key;
  }

  /** The waiting run to serve next among those `eligible` to start: round robin by owner, then arrival. */
  private next(candidates: readonly Run[], eligible: (run: Run) => boolean, served: Map<string, number>): Run | undefined {
    let best: Run | undefined;
    let bestTurn = Infinity;
    for (const run of candidates) {
      if (!eligible(run)) continue;
      const turn = served.get(run.owner.key) ?? -1;
      if (turn < bestTurn) {
        best = run;
        bestTurn = turn;
      }
    }
    return best;
  }

  private pump() {
    while (this.running.size < this.capacity) {
      const ownerFree = (r: Run) => this.exempt(r.owner.key) || this.runningOf(r.owner.key) < this.perOwner;
      const laneFree = (r: Run) => {
        const lane = this.laneOf(r);
        return this.runningIn(lane.key) < lane.capacity;
      };
      const run = this.next(this.waiting, (r) => ownerFree(r) && laneFree(r), this.lastServed);
      if (!run) return;
      this.waiting.splice(this.waiting.indexOf(run), 1);
      this.lastServed.set(run.owner.key, this.turn++);
      this.running.set(run, this.now());
      run.state = 'running';
      void this.execute(run).finally(() => {
        this.learn(run, this.now() - (this.running.get(run) ?? this.now()));
        this.running.delete(run);
        this.pump();
        this.announce();
      });
    }
  }

  private learn(run: Run, tookMs: number) {
    const previous = this.averageMs.get(run.request.snippet);
    this.averageMs.set(run.request.snippet, previous === undefined ? tookMs : previous + LEARNING_RATE * (tookMs - previous));
  }

  /**
   * The order the waiting runs will be served in and when each should start, by playing the
   * queue forward: every slot frees when its run is expected to end, and takes the next run
   * the round robin would pick whose owner is free by then.
   */
  plan(): Planned[] {
    const now = this.now();
    // When each place frees, per lane: the running runs' expected ends, the other places free now.
    const lanes = new Map<string, number[]>();
    const placesOf = (run: Run): number[] => {
      const key = this.laneOf(run).key;
      let places = lanes.get(key);
      if (!places) lanes.set(key, (places = []));
      return places;
    };
    const ownerFreeAt = new Map<string, number>();
    for (const [run, startedAt] of this.running) {
      const endAt = Math.max(startedAt + this.expectedMs(run), now + OVERDUE_MS);
      placesOf(run).push(endAt);
      if (!this.exempt(run.owner.key) && this.perOwner === 1) ownerFreeAt.set(run.owner.key, endAt);
    }
    for (const run of this.waiting) {
      const places = placesOf(run);
      while (places.length < Math.min(this.laneOf(run).capacity, this.capacity)) places.push(now);
    }
    const served = new Map(this.lastServed);
    let turn = this.turn;
    const pending = [...this.waiting];
    const planned: Planned[] = [];
    while (pending.length > 0) {
      for (const places of lanes.values()) places.sort((a, b) => a - b);
      const freeAt = (run: Run) => Math.max(placesOf(run)[0]!, ownerFreeAt.get(run.owner.key) ?? now);
      // Whoever can start first (a place of its lane free, its owner free); round robin among them.
      const earliest = Math.min(...pending.map(freeAt));
      const run = this.next(pending, (r) => freeAt(r) <= earliest, served)!;
      const startAt = freeAt(run);
      const behindOwn = !this.exempt(run.owner.key) && this.runningOf(run.owner.key) >= this.perOwner;
      planned.push({ run, startAt, behindOwn });
      pending.splice(pending.indexOf(run), 1);
      served.set(run.owner.key, turn++);
      const endAt = startAt + this.expectedMs(run);
      placesOf(run)[0] = endAt;
      if (!this.exempt(run.owner.key) && this.perOwner === 1) ownerFreeAt.set(run.owner.key, endAt);
    }
    return planned;
  }

  /** Tells each waiting run its place and estimate, when they changed; keeps refreshing while any waits. */
  private announce() {
    const now = this.now();
    this.plan().forEach(({ run, startAt, behindOwn }, index) => {
      const position = index + 1;
      const waitMs = Math.max(0, Math.round(startAt - now));
      const message = queuedMessage(position, waitMs, behindOwn);
      if (this.announced.get(run) === message) return;
      this.announced.set(run, message);
      run.emit({ type: 'status', state: 'queued', position, waitMs, message });
    });
    if (this.waiting.length > 0 && !this.refresher) {
      this.refresher = setInterval(() => this.announce(), this.refreshMs);
      this.refresher.unref();
    } else if (this.waiting.length === 0 && this.refresher) {
      clearInterval(this.refresher);
      this.refresher = undefined;
    }
  }
}
