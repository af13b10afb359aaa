import { createParser } from 'eventsource-parser';
import type { RunEvent } from '../lib/runs/schema';

/**
 * Follows a run's Server-Sent Events (GET /api/runs/:id/events) until the server closes the
 * stream, calling `onEvent` for each one, in order. The SSE framing (ids, split chunks) is
 * eventsource-parser's, as a browser's EventSource would read it.
 */
export async function readRunEvents(response: Response, onEvent: (event: RunEvent) => void | Promise<void>): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const pending: RunEvent[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(JSON.parse(message.data) as RunEvent) });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.feed(decoder.decode(value, { stream: true }));
    while (pending.length > 0) await onEvent(pending.shift()!);
  }
}
