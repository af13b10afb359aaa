import { clientAddress, startSession } from '@/lib/auth/current';
import { siteMode } from '@/lib/auth/mode';
import { refuseCrossOrigin } from '@/lib/auth/origin';
import { attemptJoin } from '@/lib/auth/sign-in';
import { db } from '@/lib/db';
import { provisionJoinedStudent } from '@/lib/lab/kafka-tenants';
import { readJsonBody } from '@/lib/http/body';
import { SESSION_BODY_LIMIT } from '@/lib/http/limits.mjs';
import { userFromRequest } from '@/lib/auth/user';

export const dynamic = 'force-dynamic';

/** What the session looks like to the page. Mirrors `SessionInfo` in components/site/session.client.ts. */
export interface SessionInfo {
  mode: 'single' | 'course';
  user: { role: 'student'; name: string; course: string } | { role: 'instructor'; name: string } | null;
}

/**
 * GET /api/session — who is signed in, for the header and for where progress is kept. Lesson
 * pages stay static; this small dynamic answer fills them in.
 */
export async function GET(request: Request) {
  const user = await userFromRequest(request);
  const info: SessionInfo = {
    mode: siteMode(),
    user: user?.role === 'student' ? { role: 'student', name: user.name, course: user.courseTitle } : user?.role === 'instructor' ? { role: 'instructor', name: user.name } : null,
  };
  return Response.json(info, { headers: { 'cache-control': 'private, no-store' } });
}

/**
 * POST /api/session {codigo, nombre} — the HTTP twin of the /unirse form (scripts, the class
 * benchmark): same checks and rate limit, same signed session cookie.
 */
export async function POST(request: Request) {
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  if (siteMode() !== 'course') return Response.json({ ok: false, message: 'Este sitio funciona en modo individual.' }, { status: 409 });
  const read = await readJsonBody(request, SESSION_BODY_LIMIT);
  if (!read.ok) return read.response;
  const body = read.value as { codigo?: unknown; nombre?: unknown } | null;
  const result = await attemptJoin(await db(), {
    code: typeof body?.codigo === 'string' ? body.codigo : '',
    name: typeof body?.nombre === 'string' ? body.nombre : '',
    address: await clientAddress(),
  });
  if (!result.ok) return Response.json({ ok: false, message: result.message, field: result.field }, { status: 400 });
  await startSession('student', result.value.id);
  provisionJoinedStudent(result.value.id);
  return Response.json({ ok: true });
}
