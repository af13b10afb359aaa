import { db } from '@/lib/db';
import { findStudent } from '@/lib/db/courses';
import { siteMode } from './mode';
import { SESSION_COOKIE, sessionKey, verifySession } from './session';

/**
 * Who is asking. `local` is the only user in single-user mode; in course mode a request
 * without a valid session is `null` (anonymous).
 */
export type User = { role: 'local' } | { role: 'student'; id: string; name: string; courseId: string; courseTitle: string } | { role: 'instructor'; id: string; name: string };

/** The user behind a session token (the cookie's value). Forged, expired or stale tokens give null. */
export async function userFromToken(token: string | undefined): Promise<User | null> {
  if (siteMode() === 'single') return { role: 'local' };
  if (!token) return null;
  const database = await db();
  const claims = verifySession(await sessionKey(database), token);
  if (!claims) return null;
  if (claims.role === 'instructor') {
    const row = await database.selectFrom('instructors').select(['id', 'username']).where('id', '=', claims.sub).executeTakeFirst();
    return row ? { role: 'instructor', id: row.id, name: row.username } : null;
  }
  const student = await findStudent(database, claims.sub);
  if (!student) return null;
  const course = await database.selectFrom('courses').select('title').where('id', '=', student.course_id).executeTakeFirst();
  if (!course) return null;
  return { role: 'student', id: student.id, name: student.display_name, courseId: student.course_id, courseTitle: course.title };
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Route handlers: the user behind the request's session cookie. */
export function userFromRequest(request: Request): Promise<User | null> {
  return userFromToken(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
}

/** The owner key runs are tagged with; only the same key may follow or stop them. */
export function ownerKey(user: User): string {
  return user.role === 'local' ? 'local' : `${user.role}:${user.id}`;
}

/** May this user start runs? Single-user, students and instructors (trying an example) may. */
export function canRun(user: User | null): user is User {
  return user !== null;
}
