import { originProblem } from '@/lib/http/front-door.mjs';

/**
 * CSRF guard for POST route handlers: the request must carry an Origin whose host is the host
 * it was sent to (X-Forwarded-Host behind a proxy). A missing Origin is refused too: browsers
 * always send one on a POST, and the project's scripts send it on purpose. The front door
 * (lib/http/front-door.mjs) applies the same rule to every request, server actions included;
 * this keeps it in the handlers under `next dev` and when they are called directly.
 * Returns the 403 to answer with, or null.
 */
export function refuseCrossOrigin(request: Request): Response | null {
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || request.headers.get('host') || new URL(request.url).host;
  const problem = originProblem(request.method, request.headers.get('origin'), host);
  return problem ? Response.json({ ok: false, message: problem }, { status: 403 }) : null;
}
