import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['{lib,lab,components,app}/**/*.spec.ts'],
    exclude: ['node_modules', '.next', '.lab', 'e2e'],
    // Lab and sandbox specs start real processes: give them time, run files one at a time on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
