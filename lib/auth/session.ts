import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '@/lib/db';
import { initSetting } from '@/lib/db/settings';
import { envVar } from '@/lib/env';

/** The httpOnly cookie that carries the signed session. */
export const SESSION_COOKIE = 'cauce_sesion';

/** How long a session lasts: a term for students (rejoining is cheap), a working day for instructors. */
export const SESSION_TTL_MS = { student: 120 * 24 * 3600_000, instructor: 12 * 3600_000 } as const;

/** What the cookie says, signed with HMAC-SHA256; the database is still asked whether the user exists. */
export const SessionClaims = z.strictObject({
  v: z.literal(1),
  role: z.enum(['student', 'instructor']).describe('Who signed in'),
  sub: z.string().min(1).max(100).describe('Student or instructor id'),
  exp: z.number().int().describe('Expiry, ms since the epoch'),
});
export type SessionClaims = z.infer<typeof SessionClaims>;

const holder = globalThis as typeof globalThis & { __cauceSessionKey?: Promise<Buffer> };

/**
 * The signing key: CAUCE_SESSION_SECRET if set (several servers behind a balancer share it),
 * else a random key made on first start and kept in the database (never in the repository).
 */
export function sessionKey(db: Db): Promise<Buffer> {
  const fromEnv = envVar('CAUCE_SESSION_SECRET');
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('CAUCE_SESSION_SECRET debe tener al menos 32 caracteres.');
    return Promise.resolve(Buffer.from(fromEnv, 'utf8'));
  }
  holder.__cauceSessionKey ??= initSetting(db, 'session_secret', randomBytes(32).toString('base64url')).then((v) => Buffer.from(v, 'base64url'));
  return holder.__cauceSessionKey;
}

/** Tests: forget the cached key (a new database has its own). */
export function forgetSessionKey(): void {
  holder.__cauceSessionKey = undefined;
}

function mac(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`cauce-session.${body}`).digest();
}

export function signSession(key: Buffer, claims: Omit<SessionClaims, 'v' | 'exp'>, now = Date.now()): string {
  const full: SessionClaims = { v: 1, ...claims, exp: now + SESSION_TTL_MS[claims.role] };
  const body = Buffer.from(JSON.stringify(full)).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/** The claims of a well-signed, unexpired token; undefined for anything else (forged, expired, garbage). */
export function verifySession(key: Buffer, token: string | undefined, now = Date.now()): SessionClaims | undefined {
  if (!token || token.length > 1000) return undefined;
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return undefined;
  const expected = mac(key, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const claims = SessionClaims.safeParse(parsed);
  if (!claims.success || claims.data.exp <= now) return undefined;
  return claims.data;
}
