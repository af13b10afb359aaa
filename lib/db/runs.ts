import type { Db } from './index';
import type { NewRunRow, RunRow } from './schema';

/** Stores one run as it ended (or as it was refused before running). */
export async function recordRun(db: Db, run: NewRunRow): Promise<void> {
  await db.insertInto('runs').values(run).execute();
}

/** A student's own recent runs (newest first). */
export async function listStudentRuns(db: Db, studentId: string, limit = 20): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('student_id', '=', studentId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Run statuses that are not the student's fault nor a failure worth an instructor's look. */
export const OK_STATUSES = ['finished', 'stopped', 'abandoned'] as const;
