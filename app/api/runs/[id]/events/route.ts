import { ownerKey, userFromRequest } from '@/lib/auth/user';
import { db } from '@/lib/db';
import { findInterruptedRun } from '@/lib/db/runs';
import { findOwnRun } from '@/lib/runs/registry';
import { RUN_MESSAGES } from '@/lib/runs/messages';
import type { RunEvent } from '@/lib/runs/schema';

export const dynamic = 'force-dynamic';

/**
 * Server-Sent Events: the run's events so far, then live ones, until its exit event. Each
 * carries its seq as the SSE id, so a browser that reconnects (EventSource sends Last-Event-ID
 * by itself) gets only what it missed, never a line twice.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  // Someone else's run id answers exactly like an unknown one.
  const user = await userFromRequest(request);
  const id = (await params).id;
  const run = user ? findOwnRun(id, ownerKey(user)) : undefined;
  if (!run) {
    // A page reconnecting after the server restarted under its run hears how it ended, not a 404.
    const interrupted = user ? await interruptedRunEnd(id, ownerKey(user)) : undefined;
    if (interrupted) return eventStream([interrupted], lastEventId(request) + 1);
    return Response.json({ ok: false, message: RUN_MESSAGES.unknownRun }, { status: 404 });
  }

  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: RunEvent, seq: number) => {
        try {
          controller.enqueue(encoder.encode(`id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`));
          if (event.type === 'exit') controller.close();
        } catch {
          unsubscribe(); // the page went away
        }
      };
      const unwatch = run.watch();
      const unfollow = run.subscribe(send, lastEventId(request));
      unsubscribe = () => {
        unfollow();
        unwatch();
      };
      request.signal.addEventListener('abort', () => unsubscribe());
    },
    cancel() {
      unsubscribe();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

/** The exit event of a run the records hold as interrupted, or undefined (unknown, someone else's, the database down). */
async function interruptedRunEnd(id: string, owner: string): Promise<RunEvent | undefined> {
  try {
    const row = await findInterruptedRun(await db(), id, owner);
    return row && { type: 'exit', reason: 'interrupted', exitCode: null, durationMs: row.duration_ms ?? 0, message: RUN_MESSAGES.interrupted };
  } catch {
    return undefined;
  }
}

/** A finished stream of these events, numbered from `firstSeq`. */
function eventStream(events: RunEvent[], firstSeq: number): Response {
  const body = events.map((event, i) => `id: ${firstSeq + i}\ndata: ${JSON.stringify(event)}\n\n`).join('');
  return new Response(body, { headers: SSE_HEADERS });
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/** The seq of the last event a reconnecting EventSource got, or -1 (a first connection). */
function lastEventId(request: Request): number {
  const value = request.headers.get('last-event-id')?.trim() ?? '';
  return /^\d{1,9}$/.test(value) ? Number(value) : -1;
}
