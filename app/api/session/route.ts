import { siteMode } from '@/lib/auth/mode';
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
    user:
      user?.role === 'student'
        ? { role: 'student', name: user.name, course: user.courseTitle }
        : user?.role === 'instructor'
          ? { role: 'instructor', name: user.name }
          : null,
  };
  return Response.json(info, { headers: { 'cache-control': 'private, no-store' } });
}
