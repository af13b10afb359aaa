import { randomUUID } from 'node:crypto';
import { MAX_BUFFERED_EVENTS, UNWATCHED_GRACE_MS } from '@/lib/limits';
import { RUN_MESSAGES } from './messages';
import type { RunEvent, RunRequest } from './schema';

/** The student of single-user mode (no course, no session). */
export const DEFAULT_STUDENT = 'alumno';

export type RunState = 'queued' | 'running' | 'ended';

/**
 * Who started a run, taken from the session on the server (never from the request body).
 * Only a request with the same `key` may follow or stop the run.
 */
export interface RunOwner {
  /** "local" in single-user mode, "student:<id>" or "instructor:<id>" in course mode. */
  key: string;
  studentId: string | null;
  courseId: string | null;
}

/** The only owner in single-user mode: no per-student limits apply to it. */
export const LOCAL_OWNER: RunOwner = { key: 'local', studentId: null, courseId: null };

/** Gets each event with its position in the run's log (the SSE event id). */
type Listener = (event: RunEvent, seq: number) => void;

/**
 * One run, from "Ejecutar" to its exit event: the single owner of its state, its event log
 * (replayed to late or reconnecting subscribers) and its stop switch.
 */
export class Run {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  readonly abort = new AbortController();
  state: RunState = 'queued';
  endedAt: number | undefined;
  private readonly events: RunEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private dropped = 0;
  private watchers = 0;
  private unwatchedTimer: NodeJS.Timeout | undefined;
  private abandoned = false;

  /**
   * Who runs it: their Kafka principal and topic prefix (lib/runs/kafka-ts.ts) and DAG
   * namespace. Course mode sets it from the session; without it the run belongs to the
   * single-user default student, {@link DEFAULT_STUDENT}.
   */
  readonly student: string;

  /** Who may follow and stop it, and whom it is recorded for. @default LOCAL_OWNER */
  readonly owner: RunOwner;

  constructor(
    readonly request: RunRequest,
    options: { student?: string; owner?: RunOwner } = {},
  ) {
    this.student = options.student ?? DEFAULT_STUDENT;
    this.owner = options.owner ?? LOCAL_OWNER;
  }

  emit(event: RunEvent): void {
    if (this.state === 'ended') return;
    const isOutput = event.type === 'stdout' || event.type === 'stderr';
    if (isOutput && this.events.length >= MAX_BUFFERED_EVENTS) {
      this.dropped += 1;
      return;
    }
    if (event.type === 'exit') {
      if (this.dropped > 0) this.push({ type: 'notice', message: `Se omitieron ${this.dropped} líneas de salida.` });
      this.state = 'ended';
      this.endedAt = Date.now();
      clearTimeout(this.unwatchedTimer);
      // The executors only know they were stopped; the run knows nobody was watching.
      if (this.abandoned && event.reason === 'stopped') event = { ...event, reason: 'abandoned', message: RUN_MESSAGES.abandoned(UNWATCHED_GRACE_MS / 1000) };
    }
    this.push(event);
    if (event.type === 'exit') this.listeners.clear();
  }

  private push(event: RunEvent) {
    const seq = this.events.push(event) - 1;
    for (const listener of this.listeners) listener(event, seq);
  }

  /**
   * Replays what happened after `after` (an event's seq: what a reconnecting page last got,
   * its Last-Event-ID; -1 for everything), then follows live. Returns an unsubscribe function.
   */
  subscribe(listener: Listener, after = -1): () => void {
    for (let seq = Math.max(0, after + 1); seq < this.events.length; seq++) listener(this.events[seq]!, seq);
    if (this.state !== 'ended') this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A page follows the run (its SSE stream) until the returned function is called. When the
   * last page goes, {@link UNWATCHED_GRACE_MS} later the run is stopped, ending "abandoned".
   */
  watch(): () => void {
    this.watchers += 1;
    clearTimeout(this.unwatchedTimer);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.watchers -= 1;
      if (this.watchers === 0) this.stopWhenUnwatched();
    };
  }

  /** Starts the grace (also at creation: a page that never connects). */
  stopWhenUnwatched(): void {
    if (this.state === 'ended' || this.watchers > 0) return;
    clearTimeout(this.unwatchedTimer);
    this.unwatchedTimer = setTimeout(() => {
      if (this.state === 'ended' || this.watchers > 0) return;
      this.abandoned = true;
      this.stop();
    }, UNWATCHED_GRACE_MS);
    this.unwatchedTimer.unref();
  }

  /** What the run reported so far, in order (the exercises' checks read it once it ended). */
  history(): readonly RunEvent[] {
    return this.events.slice();
  }

  /** Asks the run to stop; the executor answers with an exit event of reason "stopped". */
  stop(): void {
    this.abort.abort();
  }
}
