'use server';

import { revalidatePath } from 'next/cache';
import { currentInstructor } from '@/lib/auth/current';
import { db } from '@/lib/db';
import { createCourse } from '@/lib/db/courses';
import { resetStudentLab } from '@/lib/instructor/reset';

/** Instructor-only actions: each checks the session first; students and strangers get "no autorizado". */
const NOT_ALLOWED = 'No autorizado: entra como profesor.';

export interface CourseFormState {
  message?: string;
  ok?: boolean;
}

/** Creates a course and its join code (shown on /profesor). */
export async function createCourseAction(_previous: CourseFormState, form: FormData): Promise<CourseFormState> {
  const instructor = await currentInstructor();
  if (!instructor) return { message: NOT_ALLOWED };
  const title = String(form.get('titulo') ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!title || title.length > 100) return { message: 'Escribe un título de entre 1 y 100 caracteres.' };
  const course = await createCourse(await db(), { title, createdBy: instructor.id });
  revalidatePath('/profesor');
  return { ok: true, message: `Curso «${course.title}» creado. Código para los alumnos: ${course.join_code}` };
}

/** Stops a student's runs and deletes their Kafka topics/groups and DAG folder. */
export async function resetStudentLabAction(studentId: unknown): Promise<{ ok: boolean; message: string }> {
  if (!(await currentInstructor())) return { ok: false, message: NOT_ALLOWED };
  if (typeof studentId !== 'string') return { ok: false, message: 'Alumno no válido.' };
  return resetStudentLab(await db(), studentId);
}
