import { describe, expect, it } from 'vitest';
import { openMigrated } from '@/lib/db';
import { checkInstructorPassword, ensureInstructor } from './instructors';
import { generatePassword, hashPassword, verifyPassword } from './password';

describe('contraseñas de profesor (scrypt)', () => {
  it('se guarda el hash con sus parámetros, nunca la contraseña', async () => {
    const hash = await hashPassword('café con leche');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(hash).not.toContain('café');
    expect(await verifyPassword('café con leche', hash)).toBe(true);
    expect(await verifyPassword('cafe con leche', hash)).toBe(false);
    expect(await hashPassword('café con leche')).not.toBe(hash); // salted
  });

  it('el primer arranque genera una contraseña, la devuelve una vez y no la vuelve a generar', async () => {
    const db = await openMigrated({ kind: 'sqlite', file: ':memory:' });
    const password = await ensureInstructor(db, {});
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(await ensureInstructor(db, {})).toBeUndefined();
    expect(await checkInstructorPassword(db, 'Profesor ', password!)).toBeTruthy();
    expect(await checkInstructorPassword(db, 'profesor', 'otra')).toBeUndefined();
    expect(await checkInstructorPassword(db, 'nadie', password!)).toBeUndefined();
    const stored = await db.selectFrom('instructors').select('password_hash').executeTakeFirstOrThrow();
    expect(stored.password_hash).not.toContain(password!);
    await db.destroy();
  });

  it('CAUCE_INSTRUCTOR_PASSWORD fija la contraseña inicial (y no se imprime nada)', async () => {
    const db = await openMigrated({ kind: 'sqlite', file: ':memory:' });
    expect(await ensureInstructor(db, { CAUCE_INSTRUCTOR_PASSWORD: 'elegida por mí' })).toBeUndefined();
    expect(await checkInstructorPassword(db, 'profesor', 'elegida por mí')).toBeTruthy();
    await db.destroy();
  });

  it('las contraseñas generadas no se repiten', () => {
    expect(new Set(Array.from({ length: 50 }, generatePassword)).size).toBe(50);
  });
});
