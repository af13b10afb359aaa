import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3210);

/**
 * Real Chromium from Debian (Playwright cannot download its own browser here), against the
 * production build served by the same launcher students use, with the real lab behind it.
 */
export default defineConfig({
  testDir: '.',
  outputDir: '.output',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    locale: 'es-ES',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-features=AutofillServerCommunication',
      ],
    },
  },
  webServer: process.env.E2E_EXTERNAL_SERVER
    ? undefined
    : {
        command: `node scripts/cauce.mjs serve --port ${port}`,
        cwd: '..',
        url: `http://localhost:${port}/api/health`,
        timeout: 300_000,
        reuseExistingServer: false,
        // Ctrl-C-like stop, so the launcher shuts down the site and the lab's JVM in order.
        gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
        stdout: 'pipe',
        stderr: 'pipe',
      },
});
