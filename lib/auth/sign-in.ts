import type { Db } from '@/lib/db';
import { findCourseByCode, joinCourse } from '@/lib/db/courses';
import type { Student } from '@/lib/db/schema';
import { checkInstructorPassword } from './instructors';
import { RateLimiter, spanishWait } from './rate-limit';

/**
 * The two ways in, without any Next.js request plumbing (the server actions in app/sesion add
 * the cookie; tests call these directly). Only failures count towards the limits, per address
 * and for the whole server (so rotating addresses does not help a guesser either).
 */
const holder = globalThis as typeof globalThis & {
  __cauceSignInLimits?: { join: RateLimiter; joinAll: RateLimiter; login: RateLimiter; loginAll: RateLimiter };
};

export function signInLimits() {
  holder.__cauceSignInLimits ??= {
    /** Wrong course codes from one address: 10 per 10 minutes (a class behind one NAT mistypes too). */
    join: new RateLimiter(10, 10 * 60_000),
    joinAll: new RateLimiter(200, 10 * 60_000),
    /** Wrong instructor passwords from one address: 5 per 15 minutes. */
    login: new RateLimiter(5, 15 * 60_000),
    loginAll: new RateLimiter(50, 15 * 60_000),
  };
  return holder.__cauceSignInLimits;
}

export type SignInResult<T> = { ok: true; value: T } | { ok: false; message: string; field?: 'codigo' | 'nombre' | 'usuario' | 'contrasena' };

export const MAX_NAME_LENGTH = 60;

export async function attemptJoin(db: Db, input: { code: string; name: string; address: string }): Promise<SignInResult<Student>> {
  const limits = signInLimits();
  const name = input.name.replace(/\s+/g, ' ').trim();
  if (!name) return { ok: false, field: 'nombre', message: 'Escribe tu nombre: es como te verá tu profesor.' };
  // \p{Cc}: control characters (U+0000–U+001F, U+007F–U+009F), which a name never needs.
  if (name.length > MAX_NAME_LENGTH || /[\p{Cc}<>]/u.test(name)) {
    return { ok: false, field: 'nombre', message: `El nombre debe tener como máximo ${MAX_NAME_LENGTH} caracteres, sin símbolos < ni >.` };
  }
  const wait = Math.max(limits.join.retryAfter(input.address), limits.joinAll.retryAfter('*'));
  if (wait > 0) return { ok: false, field: 'codigo', message: `Demasiados intentos con códigos incorrectos. Espera ${spanishWait(wait)} y vuelve a intentarlo.` };
  const course = input.code.trim() ? await findCourseByCode(db, input.code) : undefined;
  if (!course) {
    limits.join.hit(input.address);
    limits.joinAll.hit('*');
    return { ok: false, field: 'codigo', message: 'No hay ningún curso con ese código. Compruébalo con tu profesor.' };
  }
  return { ok: true, value: await joinCourse(db, course, name) };
}

export async function attemptInstructorLogin(db: Db, input: { username: string; password: string; address: string }): Promise<SignInResult<string>> {
  const limits = signInLimits();
  const wait = Math.max(limits.login.retryAfter(input.address), limits.loginAll.retryAfter('*'));
  if (wait > 0) return { ok: false, field: 'contrasena', message: `Demasiados intentos fallidos. Espera ${spanishWait(wait)} y vuelve a intentarlo.` };
  const id = input.password ? await checkInstructorPassword(db, input.username, input.password) : undefined;
  if (!id) {
    limits.login.hit(input.address);
    limits.loginAll.hit('*');
    return { ok: false, field: 'contrasena', message: 'Usuario o contraseña incorrectos.' };
  }
  return { ok: true, value: id };
}
