/** A run belongs to the page that follows it: with no page for the grace, it is stopped, "abandoned". */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UNWATCHED_GRACE_MS } from '@/lib/limits';
import { Run } from './run';
import type { RunEvent } from './schema';

const request = { lesson: 'kafka/consumidor', snippet: 'kafka/consumidor/x', kind: 'kafka-ts' as const, files: [{ name: 'c.ts', content: '' }] };

/** What an executor does when its run is stopped. */
function endWhenStopped(run: Run) {
  run.abort.signal.addEventListener('abort', () => run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 1, message: 'Detuviste la ejecución.' }));
}

describe('una ejecución que nadie sigue', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sin página durante la gracia se detiene, con su propio motivo y un mensaje en español', () => {
    const run = new Run(request);
    endWhenStopped(run);
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    const unwatch = run.watch();
    vi.advanceTimersByTime(UNWATCHED_GRACE_MS * 2);
    expect(run.abort.signal.aborted).toBe(false); // watched: nothing happens
    unwatch(); // the page reloads away…
    vi.advanceTimersByTime(UNWATCHED_GRACE_MS - 1);
    expect(run.abort.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(run.abort.signal.aborted).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'abandoned', message: expect.stringMatching(/ninguna página la seguía desde hacía 15 s/) });
  });

  it('una recarga que vuelve a conectarse dentro de la gracia la conserva; Detener sigue siendo «stopped»', () => {
    const run = new Run(request);
    endWhenStopped(run);
    run.stopWhenUnwatched(); // created, its page not yet connected
    vi.advanceTimersByTime(UNWATCHED_GRACE_MS - 100);
    const unwatch = run.watch(); // connected (or reattached after a reload)
    vi.advanceTimersByTime(UNWATCHED_GRACE_MS * 2);
    expect(run.abort.signal.aborted).toBe(false);
    run.stop();
    unwatch();
    expect(run.state).toBe('ended');
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'stopped' });
  });
});
