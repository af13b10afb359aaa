import { db } from '@/lib/db';
import { DEFAULT_INSTRUCTOR, ensureInstructor } from './instructors';
import { siteMode } from './mode';

/**
 * Course mode's first start: opens (and migrates) the database and creates the instructor
 * account, printing its generated password this once (only its scrypt hash is stored).
 */
export async function prepareCourseMode(): Promise<void> {
  if (siteMode() !== 'course') return;
  const password = await ensureInstructor(await db());
  if (password) {
    console.log(
      `\n┌ Cauce en modo curso: se creó la cuenta de profesor.\n│ Usuario: ${DEFAULT_INSTRUCTOR}\n│ Contraseña: ${password}\n└ Apúntala ahora: no se volverá a mostrar. Entra en /profesor/entrar.\n`,
    );
  }
}
