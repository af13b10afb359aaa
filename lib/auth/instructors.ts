import { newId } from '@/lib/db/courses';
import type { Db } from '@/lib/db';
import { envVar, type EnvSource } from '@/lib/env';
import { generatePassword, hashPassword, verifyPassword } from './password';

/** The instructor account made on first start (more can be added with {@link createInstructor}). */
export const DEFAULT_INSTRUCTOR = 'profesor';

export async function createInstructor(db: Db, username: string, password: string): Promise<string> {
  const id = newId();
  await db
    .insertInto('instructors')
    .values({ id, username, password_hash: await hashPassword(password), created_at: new Date().toISOString() })
    .execute();
  return id;
}

/**
 * First start in course mode: creates the instructor account if there is none, with
 * CAUCE_INSTRUCTOR_PASSWORD or a generated password. Returns the generated password (to be
 * printed once, never stored in clear) or undefined when nothing was generated.
 */
export async function ensureInstructor(db: Db, source?: EnvSource): Promise<string | undefined> {
  const any = await db.selectFrom('instructors').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  const given = envVar('CAUCE_INSTRUCTOR_PASSWORD', source);
  const password = given || generatePassword();
  try {
    await createInstructor(db, DEFAULT_INSTRUCTOR, password);
  } catch {
    return undefined; // another server process created it first
  }
  return given ? undefined : password;
}

/** The instructor's id if the name and password match. Always spends one scrypt, so timing does not reveal names. */
export async function checkInstructorPassword(db: Db, username: string, password: string): Promise<string | undefined> {
  const row = await db.selectFrom('instructors').select(['id', 'password_hash']).where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  return row && ok ? row.id : undefined;
}

export async function setInstructorPassword(db: Db, username: string, password: string): Promise<void> {
  await db
    .updateTable('instructors')
    .set({ password_hash: await hashPassword(password) })
    .where('username', '=', username)
    .execute();
}

// A valid hash of a random password, checked when the name is unknown.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
