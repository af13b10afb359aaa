'use server';

import { z } from 'zod';
import { currentUser } from '@/lib/auth/current';
import { JOIN_FIRST } from '@/lib/auth/run-options';
import { ownerKey } from '@/lib/auth/user';
import { exerciseIndex } from '@/lib/content/runnables';
import type { SnippetFile } from '@/lib/content/schema';
import { db } from '@/lib/db';
import { exerciseProgress, recordHelp, type StudentExerciseProgress } from '@/lib/db/exercises';
import type { VerdictResult } from '@/lib/retos/schema';
import { verdictFor } from '@/lib/retos/verdicts';
import { findOwnRun } from '@/lib/runs/registry';

/**
 * A Reto from the page: the verdict of the student's run, hints and the solution. The student is
 * always the session's; attempts and help are recorded for course students (the instructor's
 * grid), studying alone they stay in the browser.
 */

const ExerciseId = z
  .string()
  .max(200)
  .regex(/^[a-z0-9-]+\/[a-z0-9-]+\/[a-z0-9-]+$/);

async function student(): Promise<string | null> {
  const user = await currentUser();
  return user?.role === 'student' ? user.id : null;
}

/** «Ejecutar y comprobar», once the run ended: each requirement met or not, from the lab's real state. */
export async function checkExercise(exercise: unknown, runId: unknown): Promise<VerdictResult> {
  const user = await currentUser();
  if (!user) return { ok: false, message: JOIN_FIRST };
  const id = ExerciseId.safeParse(exercise);
  if (!id.success || typeof runId !== 'string') return { ok: false, message: 'Petición no válida.' };
  return verdictFor(findOwnRun(runId, ownerKey(user)), id.data, user.role === 'student' ? user.id : null);
}

/** A hint revealed (`count`: how many are shown now). */
export async function recordHint(exercise: unknown, count: unknown): Promise<{ ok: boolean }> {
  const id = ExerciseId.safeParse(exercise);
  const studentId = await student();
  const meta = id.success && studentId ? (await exerciseIndex()).get(id.data) : undefined;
  if (!meta || !studentId || typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > meta.hints) return { ok: false };
  await recordHelp(await db(), studentId, meta.id, { hints: count });
  return { ok: true };
}

/** «Ver solución», after the student confirmed: its files, and the instructor sees it was opened. */
export async function revealSolution(exercise: unknown): Promise<{ ok: true; files: SnippetFile[] } | { ok: false; message: string }> {
  const id = ExerciseId.safeParse(exercise);
  const meta = id.success ? (await exerciseIndex()).get(id.data) : undefined;
  if (!meta) return { ok: false, message: 'Este reto no existe (¿se actualizó la lección?). Recarga la página.' };
  // In a course, only someone signed in (so a student's opening it is recorded for the instructor).
  if (!(await currentUser())) return { ok: false, message: JOIN_FIRST.replace('ejecutar ejemplos', 'ver la solución') };
  const studentId = await student();
  if (studentId) await recordHelp(await db(), studentId, meta.id, { solution: true });
  return { ok: true, files: meta.solution.map((f) => ({ ...f })) };
}

/** A course student's passed Retos and help taken (other users: none, the browser keeps theirs). */
export async function loadExerciseProgress(): Promise<StudentExerciseProgress> {
  const studentId = await student();
  return studentId ? exerciseProgress(await db(), studentId) : { passed: [], help: {} };
}
