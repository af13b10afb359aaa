import type { RunEvent } from '../lib/runs/schema';

/**
 * Follows a run's Server-Sent Events (GET /api/runs/:id/events) until the server closes the
 * stream, calling `onEvent` for each one. Events can arrive split across chunks: only complete
 * ones (ending in a blank line) are parsed, the rest waits for the next chunk.
 */
export async function readRunEvents(response: Response, onEvent: (event: RunEvent) => void | Promise<void>): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const parts = buffer.split('\n\n');
    buffer = parts.pop()!;
    for (const part of parts) await onEvent(JSON.parse(part.replace(/^data: /, '')) as RunEvent);
  }
}
