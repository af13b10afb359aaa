import { crossOriginRefused, isSameOrigin } from '@/lib/auth/origin';
import { JOIN_FIRST, runOptionsFor } from '@/lib/auth/run-options';
import { userFromRequest } from '@/lib/auth/user';
import { startRun } from '@/lib/runs/start';

/**
 * POST /api/runs — the HTTP twin of the startRun server action (benchmarks, scripts, other
 * clients). Bad input gets a clear 4xx with a Spanish message before any work starts.
 */
export async function POST(request: Request) {
  if (!isSameOrigin(request)) return crossOriginRefused();
  const user = await userFromRequest(request);
  if (!user) return Response.json({ ok: false, message: JOIN_FIRST }, { status: 401 });
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return Response.json({ ok: false, message: 'El cuerpo de la petición no es JSON válido.' }, { status: 400 });
  }
  const { status, ...result } = startRun(body, runOptionsFor(user));
  return Response.json(result, { status });
}
