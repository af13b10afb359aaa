import { exerciseGrid } from './exercises';
import type { Db } from './index';
import { NOT_FAILED_STATUSES } from './runs';
import type { Student } from './schema';

/**
 * What an instructor sees of a course. Every function is scoped to one course id; callers
 * must have checked the user is an instructor (lib/auth `requireInstructor`).
 */

export interface RosterRow {
  student: Student;
  /** Lessons the student marked done with the button (lessons with Retos complete through them: see completionGrid). */
  completed: number;
  runs: number;
  failedRuns: number;
  lastRunAt: string | null;
}

export async function roster(db: Db, courseId: string): Promise<RosterRow[]> {
  const students = await db.selectFrom('students').selectAll().where('course_id', '=', courseId).orderBy('name_key').execute();
  const completions = await db
    .selectFrom('completions')
    .innerJoin('students', 'students.id', 'completions.student_id')
    .select('completions.student_id')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('students.course_id', '=', courseId)
    .groupBy('completions.student_id')
    .execute();
  const runs = await db
    .selectFrom('runs')
    .select('student_id')
    .select((eb) => [
      eb.fn.countAll<string | number>().as('n'),
      eb.fn
        .sum<string | number>(
          eb
            .case()
            .when('status', 'not in', [...NOT_FAILED_STATUSES])
            .then(1)
            .else(0)
            .end(),
        )
        .as('failed'),
      eb.fn.max('created_at').as('last'),
    ])
    .where('course_id', '=', courseId)
    .where('student_id', 'is not', null)
    .groupBy('student_id')
    .execute();
  const doneBy = new Map(completions.map((c) => [c.student_id, Number(c.n)]));
  const runsBy = new Map(runs.map((r) => [r.student_id, r]));
  return students.map((student) => {
    const r = runsBy.get(student.id);
    return { student, completed: doneBy.get(student.id) ?? 0, runs: Number(r?.n ?? 0), failedRuns: Number(r?.failed ?? 0), lastRunAt: r?.last ?? null };
  });
}

export interface CompletionGrid {
  /** Lesson keys ("course/slug") in the order given. */
  lessons: string[];
  rows: { student: Student; completed: Record<string, string> }[];
}

/**
 * Lesson × student: for each student, when each lesson was completed. A lesson without Retos is
 * completed when the student marked it; a lesson with Retos (`exercises`, ids
 * "<course>/<lesson>/<id>") when all of them passed, at the time the last of them first passed.
 */
export async function completionGrid(db: Db, courseId: string, lessons: string[], exercises: string[] = []): Promise<CompletionGrid> {
  const students = await db.selectFrom('students').selectAll().where('course_id', '=', courseId).orderBy('name_key').execute();
  const marks = await db
    .selectFrom('completions')
    .innerJoin('students', 'students.id', 'completions.student_id')
    .select(['completions.student_id', 'completions.lesson', 'completions.completed_at'])
    .where('students.course_id', '=', courseId)
    .execute();
  const rows = students.map((student) => ({ student, completed: {} as Record<string, string> }));
  const byId = new Map(rows.map((row) => [row.student.id, row]));
  const retosOf = new Map<string, string[]>();
  for (const id of exercises) {
    const lesson = id.split('/').slice(0, 2).join('/');
    retosOf.set(lesson, [...(retosOf.get(lesson) ?? []), id]);
  }
  for (const mark of marks) {
    const row = byId.get(mark.student_id);
    if (row && !retosOf.has(mark.lesson)) row.completed[mark.lesson] = mark.completed_at;
  }
  if (retosOf.size > 0) {
    const passes = await db
      .selectFrom('exercise_attempts')
      .innerJoin('students', 'students.id', 'exercise_attempts.student_id')
      .select(['exercise_attempts.student_id', 'exercise_attempts.exercise'])
      .select((eb) => eb.fn.min('exercise_attempts.checked_at').as('first'))
      .where('students.course_id', '=', courseId)
      .where('exercise_attempts.passed', '=', 1)
      .groupBy(['exercise_attempts.student_id', 'exercise_attempts.exercise'])
      .execute();
    const passedAt = new Map(passes.map((p) => [`${p.student_id}\u0000${p.exercise}`, p.first]));
    for (const row of rows) {
      for (const [lesson, ids] of retosOf) {
        const times = ids.map((id) => passedAt.get(`${row.student.id}\u0000${id}`));
        if (times.every(Boolean)) row.completed[lesson] = times.sort().at(-1)!;
      }
    }
  }
  return { lessons, rows };
}

export interface FailedRun {
  id: string;
  studentId: string;
  displayName: string;
  lesson: string;
  snippet: string;
  kind: string;
  status: string;
  error: string | null;
  /** The files as run: [{ name, content }]. */
  code: { name: string; content: string }[];
  createdAt: string;
  durationMs: number | null;
}

/** The latest runs that ended badly (failed, timeout, limits, syntax refused…), newest first. */
export async function recentFailedRuns(db: Db, courseId: string, limit = 50): Promise<FailedRun[]> {
  const rows = await db
    .selectFrom('runs')
    .innerJoin('students', 'students.id', 'runs.student_id')
    .select([
      'runs.id',
      'runs.student_id',
      'students.display_name',
      'runs.lesson',
      'runs.snippet',
      'runs.kind',
      'runs.status',
      'runs.error',
      'runs.code',
      'runs.created_at',
      'runs.duration_ms',
    ])
    .where('runs.course_id', '=', courseId)
    .where('runs.status', 'not in', [...NOT_FAILED_STATUSES])
    .orderBy('runs.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    studentId: r.student_id!,
    displayName: r.display_name,
    lesson: r.lesson,
    snippet: r.snippet,
    kind: r.kind,
    status: r.status,
    error: r.error,
    code: JSON.parse(r.code) as FailedRun['code'],
    createdAt: r.created_at,
    durationMs: r.duration_ms,
  }));
}

/** Runs started per minute over the last `minutes` minutes (oldest first, zeros included). */
export async function runsPerMinute(db: Db, courseId: string, minutes = 30, now = Date.now()): Promise<{ minute: string; runs: number }[]> {
  const end = Math.floor(now / 60_000) * 60_000 + 60_000;
  const start = end - minutes * 60_000;
  const rows = await db.selectFrom('runs').select('created_at').where('course_id', '=', courseId).where('created_at', '>=', new Date(start).toISOString()).execute();
  const buckets = Array.from({ length: minutes }, (_, i) => ({ minute: new Date(start + i * 60_000).toISOString(), runs: 0 }));
  for (const row of rows) {
    const index = Math.floor((Date.parse(row.created_at) - start) / 60_000);
    const bucket = buckets[index];
    if (bucket) bucket.runs += 1;
  }
  return buckets;
}

function csvCell(value: string): string {
  // Quote always; neutralise spreadsheet formulas (a display name like "=HYPERLINK(...)").
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The completion grid as CSV (one row per student, one column per lesson, plus totals), then five columns per Reto. */
export async function progressCsv(db: Db, courseId: string, lessons: string[], exercises: string[] = []): Promise<string> {
  const grid = await completionGrid(db, courseId, lessons, exercises);
  const rosterRows = new Map((await roster(db, courseId)).map((r) => [r.student.id, r]));
  const retos = new Map(exercises.length > 0 ? (await exerciseGrid(db, courseId, exercises)).rows.map((r) => [r.studentId, r.cells]) : []);
  const yesNo = (value: boolean | undefined) => (value ? 'sí' : 'no');
  const header = [
    'alumno',
    'unido',
    'ultima_actividad',
    'ejecuciones',
    'ejecuciones_fallidas',
    'lecciones_completadas',
    ...lessons,
    ...exercises.flatMap((id) => [`${id}:superado`, `${id}:intentos`, `${id}:pistas`, `${id}:solucion_vista`, `${id}:segundos_hasta_superar`]),
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const row of grid.rows) {
    const stats = rosterRows.get(row.student.id);
    const cells = retos.get(row.student.id);
    lines.push(
      [
        row.student.display_name,
        row.student.created_at,
        stats?.lastRunAt ?? row.student.last_seen_at,
        String(stats?.runs ?? 0),
        String(stats?.failedRuns ?? 0),
        String(Object.keys(row.completed).length),
        ...lessons.map((lesson) => row.completed[lesson] ?? ''),
        ...exercises.flatMap((id) => {
          const cell = cells?.[id];
          return [yesNo(cell?.passed), String(cell?.attempts ?? 0), String(cell?.hints ?? 0), yesNo(cell?.solutionSeen), String(cell?.secondsToPass ?? '')];
        }),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
