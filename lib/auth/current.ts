import { cookies, headers } from 'next/headers';
import { CLIENT_HEADER } from '@/lib/http/front-door.mjs';
import { SESSION_COOKIE, SESSION_TTL_MS, signSession, sessionKey } from './session';
import { type User, userFromToken } from './user';
import { db } from '@/lib/db';
import { envVar } from '@/lib/env';

/**
 * Server components and server actions: the signed-in user (see {@link User}), from the
 * httpOnly session cookie. Never trust an owner or a student id sent in a request body.
 */
export async function currentUser(): Promise<User | null> {
  return userFromToken((await cookies()).get(SESSION_COOKIE)?.value);
}

/** The user if they are an instructor; null for anyone else (callers answer "no autorizado"). */
export async function currentInstructor(): Promise<Extract<User, { role: 'instructor' }> | null> {
  const user = await currentUser();
  return user?.role === 'instructor' ? user : null;
}

/** Signs in: sets the session cookie (httpOnly, SameSite=Lax, Secure when served over https). */
export async function startSession(role: 'student' | 'instructor', id: string): Promise<void> {
  const token = signSession(await sessionKey(await db()), { role, sub: id });
  const store = await cookies();
  const origin = (await headers()).get('origin') ?? '';
  store.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: origin.startsWith('https:') || envVar('CAUCE_SECURE_COOKIE') === '1',
    path: '/',
    maxAge: Math.floor(SESSION_TTL_MS[role] / 1000),
  });
}

export async function endSession(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
}

/**
 * Who is asking, for rate limits: the address the front door stamped (lib/http/front-door.mjs:
 * the socket's, or a trusted proxy's X-Forwarded-For), or "local" without the front door (next dev).
 * Never X-Forwarded-For itself: anyone can send it, and one guesser would get fresh attempts.
 */
export async function clientAddress(): Promise<string> {
  return (await headers()).get(CLIENT_HEADER)?.trim() || 'local';
}
