import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['{lib,lab,components,app,scripts}/**/*.spec.ts'],
    exclude: ['node_modules', '.next', '.lab', 'e2e'],
    // Lab and sandbox specs start real processes: give them time, run files one at a time on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // Runs are recorded in the site's database: tests use a throwaway in-memory SQLite per file,
    // never a DATABASE_URL from the shell (CAUCE_TEST_DATABASE_URL points them at a test PostgreSQL).
    env: { CAUCE_DB_FILE: ':memory:', DATABASE_URL: process.env.CAUCE_TEST_DATABASE_URL ?? '' },
  },
});
