import { refuseCrossOrigin } from '@/lib/auth/origin';
import { ownerKey, userFromRequest } from '@/lib/auth/user';
import { RUN_MESSAGES } from '@/lib/runs/messages';
import { findOwnRun } from '@/lib/runs/registry';

/** POST /api/runs/:id/stop — the HTTP twin of the stopRun server action. Someone else's run: 404. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const user = await userFromRequest(request);
  const run = user ? findOwnRun((await params).id, ownerKey(user)) : undefined;
  if (!run) return Response.json({ ok: false, message: RUN_MESSAGES.unknownRun }, { status: 404 });
  run.stop();
  return Response.json({ ok: true });
}
