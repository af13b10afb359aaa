import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { envVar, type EnvSource } from '@/lib/env';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type DbConfig = { kind: 'sqlite'; /** File path or ":memory:". */ file: string } | { kind: 'postgres'; /** postgres://user:pass@host:port/db */ url: string };

/**
 * Where the site's data lives: PostgreSQL when DATABASE_URL is set, otherwise SQLite in
 * `<CAUCE_LAB_DIR or .lab>/cauce.sqlite` (CAUCE_DB_FILE overrides the file).
 */
export function dbConfigFromEnv(source?: EnvSource): DbConfig {
  const url = envVar('DATABASE_URL', source);
  if (url) return { kind: 'postgres', url };
  // turbopackIgnore: a run-time data path; the bundler must not trace .lab/ into the build.
  const labDir = envVar('CAUCE_LAB_DIR', source) ?? path.join(/*turbopackIgnore: true*/ process.cwd(), '.lab');
  return { kind: 'sqlite', file: envVar('CAUCE_DB_FILE', source) ?? path.join(/*turbopackIgnore: true*/ labDir, 'cauce.sqlite') };
}

/** Opens a connection pool (not migrated yet: see {@link migrate}). */
export async function openDb(config: DbConfig): Promise<Kysely<Database>> {
  if (config.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const { default: SQLite } = await import('better-sqlite3');
  if (config.file !== ':memory:') fs.mkdirSync(path.dirname(/*turbopackIgnore: true*/ config.file), { recursive: true });
  const database = new SQLite(config.file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'desconocida';
    throw new Error(`La migración ${failed} de la base de datos falló: ${(error as Error).message}`, { cause: error });
  }
}
