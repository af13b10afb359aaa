import type { Db } from './index';
import type { NewRunRow, RunRow } from './schema';

/**
 * Stores a run whole (refused before running, or ended): an upsert, so it also completes the
 * row written at its start, unless that row was already ended (marked interrupted meanwhile).
 */
export async function recordRun(db: Db, run: NewRunRow): Promise<void> {
  const { id: _id, ...ending } = run;
  await db
    .insertInto('runs')
    .values(run)
    .onConflict((conflict) =>
      conflict
        .column('id')
        .doUpdateSet(ending)
        .where('runs.status', 'in', [...IN_FLIGHT_STATUSES]),
    )
    .execute();
}

/** A run's row while it goes: 'queued' when it is accepted, then 'running'. Ignored once the run has ended. */
export async function updateRunStatus(db: Db, id: string, status: (typeof IN_FLIGHT_STATUSES)[number]): Promise<void> {
  await db
    .updateTable('runs')
    .set({ status })
    .where('id', '=', id)
    .where('status', 'in', [...IN_FLIGHT_STATUSES])
    .execute();
}

/**
 * On the site's start: every run still 'queued' or 'running' was cut off by the previous
 * server's end (a crash, a kill, a lost machine), so nothing will ever finish its row. They
 * become 'interrupted', ended now, with the reason in Spanish. Returns how many.
 */
export async function markInterruptedRuns(db: Db, message: string, now = new Date()): Promise<number> {
  const result = await db
    .updateTable('runs')
    .set({ status: 'interrupted', ended_at: now.toISOString(), error: message })
    .where('status', 'in', [...IN_FLIGHT_STATUSES])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** This owner's run if the records hold it as interrupted (its server died under it); undefined otherwise. */
export async function findInterruptedRun(db: Db, id: string, owner: string): Promise<RunRow | undefined> {
  return db.selectFrom('runs').selectAll().where('id', '=', id).where('owner', '=', owner).where('status', '=', 'interrupted').executeTakeFirst();
}

/** A student's own recent runs (newest first). */
export async function listStudentRuns(db: Db, studentId: string, limit = 20): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('student_id', '=', studentId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Statuses of a run that has not ended yet. */
export const IN_FLIGHT_STATUSES = ['queued', 'running'] as const;

/** Run statuses that are not the student's fault nor a failure worth an instructor's look. */
export const OK_STATUSES = ['finished', 'stopped', 'abandoned'] as const;

/** Statuses that are neither fine nor still going: the dashboard's failures. */
export const NOT_FAILED_STATUSES = [...OK_STATUSES, ...IN_FLIGHT_STATUSES] as const;
