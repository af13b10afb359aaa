import type { Db } from './index';

const now = () => new Date().toISOString();

/** A judged attempt; the same run checked twice (a reload shows its verdict again) is one attempt. */
export async function recordAttempt(db: Db, attempt: { runId: string; studentId: string; exercise: string; passed: boolean; failed: string[] }): Promise<void> {
  await db
    .insertInto('exercise_attempts')
    .values({
      run_id: attempt.runId,
      student_id: attempt.studentId,
      exercise: attempt.exercise,
      passed: attempt.passed ? 1 : 0,
      failed: JSON.stringify(attempt.failed),
      checked_at: now(),
    })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}

/** Hints revealed (only ever grows) and the solution opened, for one student and Reto. */
export async function recordHelp(db: Db, studentId: string, exercise: string, help: { hints?: number; solution?: boolean }): Promise<void> {
  const existing = await db.selectFrom('exercise_help').selectAll().where('student_id', '=', studentId).where('exercise', '=', exercise).executeTakeFirst();
  const hints = Math.max(existing?.hints ?? 0, help.hints ?? 0);
  const solutionSeenAt = existing?.solution_seen_at ?? (help.solution ? now() : null);
  await db
    .insertInto('exercise_help')
    .values({ student_id: studentId, exercise, hints, solution_seen_at: solutionSeenAt })
    .onConflict((oc) => oc.columns(['student_id', 'exercise']).doUpdateSet({ hints, solution_seen_at: solutionSeenAt }))
    .execute();
}

export interface StudentExerciseProgress {
  /** Retos with a passing attempt. */
  passed: string[];
  /** Per Reto: hints revealed and whether the solution was opened. */
  help: Record<string, { hints: number; solution: boolean }>;
}

export async function exerciseProgress(db: Db, studentId: string): Promise<StudentExerciseProgress> {
  const passed = await db.selectFrom('exercise_attempts').select('exercise').distinct().where('student_id', '=', studentId).where('passed', '=', 1).orderBy('exercise').execute();
  const help = await db.selectFrom('exercise_help').selectAll().where('student_id', '=', studentId).execute();
  return {
    passed: passed.map((r) => r.exercise),
    help: Object.fromEntries(help.map((h) => [h.exercise, { hints: h.hints, solution: h.solution_seen_at !== null }])),
  };
}

/** One cell of the instructor's grid: a student on a Reto. */
export interface ExerciseCell {
  passed: boolean;
  attempts: number;
  hints: number;
  solutionSeen: boolean;
  /** From the student's first run of the Reto to their first passing check; null until passed. */
  secondsToPass: number | null;
}

export interface ExerciseGrid {
  exercises: string[];
  rows: { studentId: string; displayName: string; cells: Record<string, ExerciseCell> }[];
  /** Per Reto: the requirement missed most often in failed attempts, and how many attempts missed it. */
  stuck: Record<string, { requirement: string; attempts: number; students: number } | null>;
}

/** Reto × student for one course, plus where the class is stuck. */
export async function exerciseGrid(db: Db, courseId: string, exercises: string[]): Promise<ExerciseGrid> {
  const students = await db.selectFrom('students').select(['id', 'display_name']).where('course_id', '=', courseId).orderBy('name_key').execute();
  const attempts = await db
    .selectFrom('exercise_attempts')
    .innerJoin('students', 'students.id', 'exercise_attempts.student_id')
    .select(['exercise_attempts.student_id', 'exercise_attempts.exercise', 'exercise_attempts.passed', 'exercise_attempts.failed', 'exercise_attempts.checked_at'])
    .where('students.course_id', '=', courseId)
    .orderBy('exercise_attempts.checked_at')
    .execute();
  const help = await db
    .selectFrom('exercise_help')
    .innerJoin('students', 'students.id', 'exercise_help.student_id')
    .select(['exercise_help.student_id', 'exercise_help.exercise', 'exercise_help.hints', 'exercise_help.solution_seen_at'])
    .where('students.course_id', '=', courseId)
    .execute();
  const firstRuns = await db
    .selectFrom('runs')
    .select(['student_id', 'snippet'])
    .select((eb) => eb.fn.min('created_at').as('first'))
    .where('course_id', '=', courseId)
    .where('student_id', 'is not', null)
    .groupBy(['student_id', 'snippet'])
    .execute();
  const key = (student: string, exercise: string) => `${student}\u0000${exercise}`;
  const firstRun = new Map(firstRuns.map((r) => [key(r.student_id!, r.snippet), r.first]));
  const cells = new Map<string, ExerciseCell>();
  const cell = (student: string, exercise: string) => {
    let found = cells.get(key(student, exercise));
    if (!found) cells.set(key(student, exercise), (found = { passed: false, attempts: 0, hints: 0, solutionSeen: false, secondsToPass: null }));
    return found;
  };
  const missed = new Map<string, Map<string, { attempts: number; students: Set<string> }>>();
  for (const a of attempts) {
    const c = cell(a.student_id, a.exercise);
    c.attempts += 1;
    if (a.passed && !c.passed) {
      c.passed = true;
      const start = firstRun.get(key(a.student_id, a.exercise)) ?? a.checked_at;
      c.secondsToPass = Math.max(0, Math.round((Date.parse(a.checked_at) - Date.parse(start)) / 1000));
    }
    if (!a.passed) {
      const byRequirement = missed.get(a.exercise) ?? new Map<string, { attempts: number; students: Set<string> }>();
      missed.set(a.exercise, byRequirement);
      for (const requirement of JSON.parse(a.failed) as string[]) {
        const entry = byRequirement.get(requirement) ?? { attempts: 0, students: new Set<string>() };
        entry.attempts += 1;
        entry.students.add(a.student_id);
        byRequirement.set(requirement, entry);
      }
    }
  }
  for (const h of help) {
    const c = cell(h.student_id, h.exercise);
    c.hints = h.hints;
    c.solutionSeen = h.solution_seen_at !== null;
  }
  const stuck: ExerciseGrid['stuck'] = {};
  for (const exercise of exercises) {
    const ranked = [...(missed.get(exercise) ?? new Map<string, { attempts: number; students: Set<string> }>())].sort(
      (a, b) => b[1].attempts - a[1].attempts || a[0].localeCompare(b[0]),
    );
    const top = ranked[0];
    stuck[exercise] = top ? { requirement: top[0], attempts: top[1].attempts, students: top[1].students.size } : null;
  }
  return {
    exercises,
    rows: students.map((s) => ({
      studentId: s.id,
      displayName: s.display_name,
      cells: Object.fromEntries(exercises.map((e) => [e, cells.get(key(s.id, e)) ?? { passed: false, attempts: 0, hints: 0, solutionSeen: false, secondsToPass: null }])),
    })),
    stuck,
  };
}
