import { ownerKey, userFromRequest } from '@/lib/auth/user';
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
  const run = user ? findOwnRun((await params).id, ownerKey(user)) : undefined;
  if (!run) return Response.json({ ok: false, message: RUN_MESSAGES.unknownRun }, { status: 404 });

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
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
  });
}

/** The seq of the last event a reconnecting EventSource got, or -1 (a first connection). */
function lastEventId(request: Request): number {
  const value = request.headers.get('last-event-id')?.trim() ?? '';
  return /^\d{1,9}$/.test(value) ? Number(value) : -1;
}
