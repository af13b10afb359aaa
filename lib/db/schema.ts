import type { Insertable, Selectable } from 'kysely';

/**
 * The site's own data (not the lab's): one Kysely type per table, shared by SQLite and
 * PostgreSQL. Times are ISO-8601 strings (sortable, identical in both databases).
 */
export interface Database {
  settings: SettingsTable;
  instructors: InstructorsTable;
  courses: CoursesTable;
  students: StudentsTable;
  completions: CompletionsTable;
  saved_code: SavedCodeTable;
  runs: RunsTable;
  exercise_attempts: ExerciseAttemptsTable;
  exercise_help: ExerciseHelpTable;
}

/** One judged attempt at a Reto (lib/retos): the run it checked and what it missed. */
export interface ExerciseAttemptsTable {
  run_id: string;
  student_id: string;
  /** Reto id "<course>/<lesson>/<id>" */
  exercise: string;
  /** 1 when every requirement was met. */
  passed: number;
  /** JSON array of the requirement ids not met ([] when passed). */
  failed: string;
  checked_at: string;
}

/** What help a student took on one Reto: hints revealed and whether they opened the solution. */
export interface ExerciseHelpTable {
  student_id: string;
  exercise: string;
  hints: number;
  solution_seen_at: string | null;
}

/** Server-side secrets and flags, e.g. the session signing key. */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface InstructorsTable {
  id: string;
  username: string;
  /** `scrypt$N$r$p$salt$hash` (see lib/auth/password.ts). */
  password_hash: string;
  created_at: string;
}

export interface CoursesTable {
  id: string;
  title: string;
  /** What students type on /unirse; unique, upper-case, no ambiguous letters. */
  join_code: string;
  created_by: string | null;
  created_at: string;
}

export interface StudentsTable {
  id: string;
  course_id: string;
  display_name: string;
  /** display_name normalised (lower case, no accents, single spaces): rejoining finds the same student. */
  name_key: string;
  created_at: string;
  last_seen_at: string;
}

export interface CompletionsTable {
  student_id: string;
  /** "<course>/<lesson>" */
  lesson: string;
  completed_at: string;
}

export interface SavedCodeTable {
  student_id: string;
  /** Runnable id "<course>/<lesson>/<title-slug>" */
  snippet: string;
  /** JSON array of the editor's file contents, in the Runnable's file order. */
  files: string;
  updated_at: string;
}

export interface RunsTable {
  id: string;
  /** Null for single-user mode and for instructors trying an example. */
  student_id: string | null;
  course_id: string | null;
  /** Who started it: "student:<id>", "instructor:<id>" or "local" (single-user mode). */
  owner: string;
  lesson: string;
  snippet: string;
  kind: string;
  /** JSON array of {name, content}: the code as it was run. */
  code: string;
  /**
   * "queued" then "running" while the run goes (the row is written when it is accepted), then its
   * EndReason ("finished", "failed", "timeout"…); "rejected" (refused before running: syntax,
   * quota); "interrupted" (the server ended under it: marked on the next start).
   */
  status: string;
  exit_code: number | null;
  duration_ms: number | null;
  /** The Spanish end message plus the tail of stderr / the first diagnostic, for failed runs. */
  error: string | null;
  created_at: string;
  ended_at: string | null;
}

export type Course = Selectable<CoursesTable>;
export type Student = Selectable<StudentsTable>;
export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
