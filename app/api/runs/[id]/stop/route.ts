import { findRun } from '@/lib/runs/registry';
import { RUN_MESSAGES } from '@/lib/runs/messages';

/** POST /api/runs/:id/stop — the HTTP twin of the stopRun server action. */
export async function POST(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const run = findRun((await params).id);
  if (!run) return Response.json({ ok: false, message: RUN_MESSAGES.unknownRun }, { status: 404 });
  run.stop();
  return Response.json({ ok: true });
}
