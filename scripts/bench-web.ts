/**
 * `npm run bench:web`: builds the site if needed, serves the production build, and prints for
 * every lesson page the JavaScript a student downloads before and after an editor comes into
 * view (gzip sizes, measured in real Chromium), and TTFB p50/p95 over 50 sequential requests.
 * Goals (issue 2): first-load JS ≤ 150 KB gzip without the editor; TTFB p50 ≤ 50 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { loadCourses } from '../lib/content/load';

const root = path.resolve(import.meta.dirname, '..');
const port = 3299;
const base = `http://localhost:${port}`;
const REQUESTS = 50;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function waitUntilUp() {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(base)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('el servidor no respondió');
}

/** Sums gzip sizes of the JavaScript responses seen on a page from now on. */
function jsRecorder(page: Page) {
  const seen = new Map<string, number>();
  page.on('response', async (response) => {
    const type = response.request().resourceType();
    if (type !== 'script' && !response.url().endsWith('.js')) return;
    try {
      seen.set(response.url(), gzipSync(await response.body()).length);
    } catch {
      // redirects and aborted requests have no body
    }
  });
  return () => [...seen.values()].reduce((a, b) => a + b, 0);
}

/** First-load JS as Next counts it: the scripts the HTML itself references (before any editor). */
async function htmlScriptsGzip(url: string): Promise<number> {
  const html = await (await fetch(url)).text();
  // noModule scripts are polyfills only pre-ES-module browsers download.
  const tags = [...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]).filter((tag) => !/nomodule/i.test(tag));
  const sources = [...new Set(tags.map((tag) => /src="([^"]+)"/.exec(tag)?.[1]).filter((src): src is string => Boolean(src)))];
  const sizes = await Promise.all(sources.map(async (src) => gzipSync(Buffer.from(await (await fetch(new URL(src, url))).arrayBuffer())).length));
  return sizes.reduce((a, b) => a + b, 0);
}

async function ttfb(url: string): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const response = await fetch(url);
    samples.push(performance.now() - started);
    await response.arrayBuffer();
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function main() {
  if (spawnSync(path.join(root, 'node_modules/.bin/next'), ['build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
  const server = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, path.join(root, 'scripts', 'serve-next.mjs'), String(port)], {
    cwd: root,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  try {
    await waitUntilUp();
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', // a benchmark knob, not the site's configuration
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const rows: string[][] = [];
    for (const lesson of loadCourses().flatMap((c) => c.lessons)) {
      const firstLoad = await htmlScriptsGzip(base + lesson.href);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const total = jsRecorder(page);
      await page.goto(base + lesson.href, { waitUntil: 'networkidle' });
      let withEditor = '—';
      if ((await page.locator('.runnable').count()) > 0) {
        await page.locator('.runnable').first().scrollIntoViewIfNeeded();
        await page.locator('.monaco-editor').first().waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle');
        withEditor = `${(total() / 1024).toFixed(0)} KB`;
      }
      await page.close();
      await fetch(base + lesson.href); // warm
      const { p50, p95 } = await ttfb(base + lesson.href);
      rows.push([lesson.href, `${(firstLoad / 1024).toFixed(1)} KB`, withEditor, `${p50.toFixed(1)} ms`, `${p95.toFixed(1)} ms`]);
    }
    await browser.close();
    const header = ['página', 'JS inicial (gzip)', 'JS tras ver el editor (gzip)', 'TTFB p50', 'TTFB p95'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
    console.log(`\n(${REQUESTS} peticiones secuenciales por página; objetivos: JS inicial ≤ 150 KB, TTFB p50 ≤ 50 ms)`);
  } finally {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
}

void main();
