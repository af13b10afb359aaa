import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

/**
 * Migrations in code (no files to find at run time, so they survive bundling). Append only:
 * never edit a migration that has shipped; add the next one. Each must run on SQLite and PostgreSQL.
 */
const migrations: Record<string, Migration> = {
  '2026-11-28-001-course-hosting': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('instructors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('courses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('join_code', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text', (c) => c.references('instructors.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('students')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id').onDelete('cascade'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('students_course_name', ['course_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('completions')
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('lesson', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('completions_pk', ['student_id', 'lesson'])
        .execute();
      await db.schema
        .createTable('saved_code')
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('snippet', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('saved_code_pk', ['student_id', 'snippet'])
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('student_id', 'text', (c) => c.references('students.id').onDelete('cascade'))
        .addColumn('course_id', 'text', (c) => c.references('courses.id').onDelete('cascade'))
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('lesson', 'text', (c) => c.notNull())
        .addColumn('snippet', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('exit_code', 'integer')
        .addColumn('duration_ms', 'integer')
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('runs_course_created').on('runs').columns(['course_id', 'created_at']).execute();
      await db.schema.createIndex('runs_student_created').on('runs').columns(['student_id', 'created_at']).execute();
      await db.schema.createIndex('students_course').on('students').column('course_id').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['runs', 'saved_code', 'completions', 'students', 'courses', 'instructors', 'settings']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  '2026-12-03-001-exercises': {
    async up(db: Kysely<unknown>) {
      // One row per checked attempt (a run of a Reto that was judged); inconclusive checks are not attempts.
      await db.schema
        .createTable('exercise_attempts')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('exercise', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('failed', 'text', (c) => c.notNull())
        .addColumn('checked_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('exercise_attempts_student').on('exercise_attempts').columns(['student_id', 'exercise']).execute();
      await db.schema
        .createTable('exercise_help')
        .addColumn('student_id', 'text', (c) => c.notNull().references('students.id').onDelete('cascade'))
        .addColumn('exercise', 'text', (c) => c.notNull())
        .addColumn('hints', 'integer', (c) => c.notNull())
        .addColumn('solution_seen_at', 'text')
        .addPrimaryKeyConstraint('exercise_help_pk', ['student_id', 'exercise'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('exercise_help').ifExists().execute();
      await db.schema.dropTable('exercise_attempts').ifExists().execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
