import type { Db } from './index';

const now = () => new Date().toISOString();

/** Marks or unmarks a lesson ("course/slug") as completed for a student. */
export async function setCompletion(db: Db, studentId: string, lesson: string, done: boolean): Promise<void> {
  if (!done) {
    await db.deleteFrom('completions').where('student_id', '=', studentId).where('lesson', '=', lesson).execute();
    return;
  }
  await db
    .insertInto('completions')
    .values({ student_id: studentId, lesson, completed_at: now() })
    .onConflict((oc) => oc.columns(['student_id', 'lesson']).doNothing())
    .execute();
}

export async function listCompletions(db: Db, studentId: string): Promise<string[]> {
  const rows = await db.selectFrom('completions').select('lesson').where('student_id', '=', studentId).orderBy('lesson').execute();
  return rows.map((r) => r.lesson);
}

/** Keeps a student's last code for one editor (a Runnable id); null clears it ("Restablecer"). */
export async function saveCode(db: Db, studentId: string, snippet: string, files: string[] | null): Promise<void> {
  if (files === null) {
    await db.deleteFrom('saved_code').where('student_id', '=', studentId).where('snippet', '=', snippet).execute();
    return;
  }
  const value = { student_id: studentId, snippet, files: JSON.stringify(files), updated_at: now() };
  await db
    .insertInto('saved_code')
    .values(value)
    .onConflict((oc) => oc.columns(['student_id', 'snippet']).doUpdateSet({ files: value.files, updated_at: value.updated_at }))
    .execute();
}

export async function loadCode(db: Db, studentId: string, snippet: string): Promise<string[] | undefined> {
  const row = await db.selectFrom('saved_code').select('files').where('student_id', '=', studentId).where('snippet', '=', snippet).executeTakeFirst();
  if (!row) return undefined;
  const parsed: unknown = JSON.parse(row.files);
  return Array.isArray(parsed) ? parsed.map(String) : undefined;
}

/** Every saved editor of one lesson ("course/lesson"), by Runnable id: one query per page. */
export async function loadLessonCode(db: Db, studentId: string, lesson: string): Promise<Record<string, string[]>> {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(lesson)) return {};
  const rows = await db.selectFrom('saved_code').select(['snippet', 'files']).where('student_id', '=', studentId).where('snippet', 'like', `${lesson}/%`).execute();
  const result: Record<string, string[]> = {};
  for (const row of rows) {
    const parsed: unknown = JSON.parse(row.files);
    if (Array.isArray(parsed)) result[row.snippet] = parsed.map(String);
  }
  return result;
}
