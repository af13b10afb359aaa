import { refuseCrossOrigin } from '@/lib/auth/origin';
import { JOIN_FIRST, runOptionsFor } from '@/lib/auth/run-options';
import { userFromRequest } from '@/lib/auth/user';
import { readJsonBody } from '@/lib/http/body';
import { CODE_BODY_LIMIT } from '@/lib/http/limits.mjs';
import { startRun } from '@/lib/runs/start';

/**
 * POST /api/runs — the HTTP twin of the startRun server action (benchmarks, scripts, other
 * clients). Bad input gets a clear 4xx with a Spanish message before any work starts.
 */
export async function POST(request: Request) {
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const user = await userFromRequest(request);
  if (!user) return Response.json({ ok: false, message: JOIN_FIRST }, { status: 401 });
  // Counted while it streams: a huge body is refused at the limit, not parsed whole first.
  const body = await readJsonBody(request, CODE_BODY_LIMIT);
  if (!body.ok) return body.response;
  const { status, ...result } = await startRun(body.value, runOptionsFor(user));
  return Response.json(result, { status });
}
