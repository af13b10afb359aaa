/**
 * A sliding-window counter kept in this server's memory (enough for one server; several
 * servers behind a balancer would each count on their own, which only loosens the limits).
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    /** How many events one key may have inside the window. */
    readonly limit: number,
    /** The window in milliseconds. */
    readonly windowMs: number,
  ) {}

  private recent(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /** Milliseconds until `key` may act again; 0 when it may act now. Does not count. */
  retryAfter(key: string, now = Date.now()): number {
    const list = this.recent(key, now);
    if (list.length < this.limit) return 0;
    return this.windowMs - (now - list[list.length - this.limit]!);
  }

  hit(key: string, now = Date.now()): void {
    const list = this.recent(key, now);
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) this.prune(now);
  }

  /** Counts the event if allowed; returns the wait in ms if not (and then does not count it). */
  take(key: string, now = Date.now()): number {
    const wait = this.retryAfter(key, now);
    if (wait === 0) this.hit(key, now);
    return wait;
  }

  reset(key?: string): void {
    if (key === undefined) this.hits.clear();
    else this.hits.delete(key);
  }

  private prune(now: number) {
    for (const key of this.hits.keys()) this.recent(key, now);
  }
}

/** "1 minuto", "3 minutos", "20 segundos": how long to wait, in Spanish. */
export function spanishWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds <= 90) return `${seconds} ${seconds === 1 ? 'segundo' : 'segundos'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minuto' : 'minutos'}`;
}
