'use server';

import { z } from 'zod';
import { currentUser } from '@/lib/auth/current';
import { db } from '@/lib/db';
import { listCompletions, loadLessonCode, saveCode, setCompletion } from '@/lib/db/progress';
import { MAX_RUN_BYTES } from '@/lib/runs/schema';

/**
 * A student's progress kept on the server (course mode): completion marks and the last code of
 * each editor. The student is always the session's; other users get nothing and change nothing.
 */
async function studentId(): Promise<string | undefined> {
  const user = await currentUser();
  return user?.role === 'student' ? user.id : undefined;
}

const LessonKey = z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/);
const SnippetId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9-]+\/[a-z0-9-]+\/[^\s]+$/);

/** The lessons ("course/slug") the student marked completed. */
export async function loadCompletions(): Promise<string[]> {
  const id = await studentId();
  return id ? listCompletions(await db(), id) : [];
}

export async function saveCompletion(lesson: unknown, done: unknown): Promise<{ ok: boolean }> {
  const id = await studentId();
  const parsed = LessonKey.safeParse(lesson);
  if (!id || !parsed.success || typeof done !== 'boolean') return { ok: false };
  await setCompletion(await db(), id, parsed.data, done);
  return { ok: true };
}

/** The student's saved editors of one lesson, by Runnable id. */
export async function loadLessonEdits(lesson: unknown): Promise<Record<string, string[]>> {
  const id = await studentId();
  const parsed = LessonKey.safeParse(lesson);
  return id && parsed.success ? loadLessonCode(await db(), id, parsed.data) : {};
}

const Contents = z.array(z.string()).min(1).max(8).nullable();

/** Keeps the student's code of one editor; null forgets it ("Restablecer"). */
export async function saveEdits(snippet: unknown, contents: unknown): Promise<{ ok: boolean }> {
  const id = await studentId();
  const parsedSnippet = SnippetId.safeParse(snippet);
  const parsedContents = Contents.safeParse(contents);
  if (!id || !parsedSnippet.success || !parsedContents.success) return { ok: false };
  const size = (parsedContents.data ?? []).reduce((sum, c) => sum + Buffer.byteLength(c, 'utf8'), 0);
  if (size > MAX_RUN_BYTES) return { ok: false };
  await saveCode(await db(), id, parsedSnippet.data, parsedContents.data);
  return { ok: true };
}
