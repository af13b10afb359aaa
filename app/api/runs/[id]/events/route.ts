import { ownerKey, userFromRequest } from '@/lib/auth/user';
import { findOwnRun } from '@/lib/runs/registry';
import { RUN_MESSAGES } from '@/lib/runs/messages';
import type { RunEvent } from '@/lib/runs/schema';

export const dynamic = 'force-dynamic';

/** Server-Sent Events: the run's events so far, then live ones, until its exit event. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  // Someone else's run id answers exactly like an unknown one.
  const user = await userFromRequest(request);
  const run = user ? findOwnRun((await params).id, ownerKey(user)) : undefined;
  if (!run) return Response.json({ ok: false, message: RUN_MESSAGES.unknownRun }, { status: 404 });

  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: RunEvent) => {
        try {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
          if (event.type === 'exit') controller.close();
        } catch {
          unsubscribe(); // the page went away
        }
      };
      unsubscribe = run.subscribe(send);
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
