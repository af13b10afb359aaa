import type { Kysely } from 'kysely';
import { type DbConfig, dbConfigFromEnv, migrate, openDb } from './connect';
import type { Database } from './schema';

export type { Database } from './schema';
export type Db = Kysely<Database>;

// One pool per server process; kept on globalThis so dev reloads do not open a second one.
const holder = globalThis as typeof globalThis & { __cauceDb?: Promise<Db> };

/**
 * The site's database, opened and migrated on first use. Server code only: never import this
 * (even indirectly) from a 'use client' file.
 */
export function db(): Promise<Db> {
  holder.__cauceDb ??= (async () => {
    const instance = await openDb(dbConfigFromEnv());
    await migrate(instance);
    return instance;
  })();
  holder.__cauceDb.catch(() => {
    holder.__cauceDb = undefined; // retry on the next call (e.g. PostgreSQL was still starting)
  });
  return holder.__cauceDb;
}

/** Tests: use this database instead (already migrated with {@link openMigrated}). */
export function useDbForTests(instance: Db | undefined): void {
  holder.__cauceDb = instance ? Promise.resolve(instance) : undefined;
}

export async function openMigrated(config: DbConfig): Promise<Db> {
  const instance = await openDb(config);
  await migrate(instance);
  return instance;
}
