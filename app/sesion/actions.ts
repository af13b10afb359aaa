'use server';

import { clientAddress, endSession, startSession } from '@/lib/auth/current';
import { siteMode } from '@/lib/auth/mode';
import { attemptInstructorLogin, attemptJoin } from '@/lib/auth/sign-in';
import { db } from '@/lib/db';
import { provisionJoinedStudent } from '@/lib/lab/kafka-tenants';

/** What a sign-in form shows after submitting: a Spanish message tied to the field at fault. */
export interface FormState {
  message?: string;
  field?: string;
  /** What was typed (never the password), so React's form reset after the action keeps it. */
  values?: Record<string, string>;
  /**
   * Signed in: where the page goes next, with a full page load (not a client navigation), so
   * everything that read the session on this page (header, editors, marks) reads it afresh.
   */
  done?: string;
}

const SINGLE_MODE = 'Este sitio funciona en modo individual: no hace falta unirse a ningún curso.';

/** Only same-site paths: an open redirect would let a link send students elsewhere after joining. */
function safeNext(value: FormDataEntryValue | null): string {
  const next = typeof value === 'string' ? value : '';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** /unirse: course code + display name → a student session, then back to where they were. */
export async function joinCourseAction(_previous: FormState, form: FormData): Promise<FormState> {
  if (siteMode() !== 'course') return { message: SINGLE_MODE };
  const result = await attemptJoin(await db(), {
    code: String(form.get('codigo') ?? ''),
    name: String(form.get('nombre') ?? ''),
    address: await clientAddress(),
  });
  if (!result.ok) {
    return { message: result.message, field: result.field, values: { codigo: String(form.get('codigo') ?? ''), nombre: String(form.get('nombre') ?? '') } };
  }
  await startSession('student', result.value.id);
  provisionJoinedStudent(result.value.id);
  return { done: safeNext(form.get('siguiente')) };
}

/** /profesor/entrar: instructor name + password → an instructor session. */
export async function instructorSignInAction(_previous: FormState, form: FormData): Promise<FormState> {
  if (siteMode() !== 'course') return { message: 'El acceso de profesor solo existe en modo curso (CAUCE_MODE=course).' };
  const result = await attemptInstructorLogin(await db(), {
    username: String(form.get('usuario') ?? ''),
    password: String(form.get('contrasena') ?? ''),
    address: await clientAddress(),
  });
  if (!result.ok) return { message: result.message, field: result.field, values: { usuario: String(form.get('usuario') ?? '') } };
  await startSession('instructor', result.value);
  return { done: '/profesor' };
}

/** "Salir": forgets the session in this browser (the student's data stays on the server); answers where to go. */
export async function signOutAction(): Promise<string> {
  await endSession();
  return siteMode() === 'course' ? '/unirse' : '/';
}
