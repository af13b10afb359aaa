/**
 * `npm run bench:web`: builds the site if needed, serves the production build, and prints for
 * every lesson page the JavaScript a student downloads before and after an editor comes into
 * view (gzip sizes, measured in real Chromium), and TTFB p50/p95 over 50 sequential requests.
 * For lessons with an editor it also prints, cold (empty browser cache) and warm (the same
 * browser, second visit), the bytes that crossed the network until the editor was ready and the
 * time from the editor coming into view to Monaco showing the code (the page's own
 * `cauce:editor-near` and `cauce:editor-ready` performance marks), scrolling there at once and,
 * warm, after reading for a few seconds as a student would.
 * Goals: first-load JS ≤ 150 KB gzip without the editor (issue 2); TTFB p50 ≤ 50 ms; editor
 * ready ≤ 1 s after it comes into view on a warm cache (issue 13).
 * BENCH_PORT moves the server (default 3299), so two worktrees can measure side by side.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadCourses } from '../lib/content/load';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.BENCH_PORT ?? 3299);
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

interface EditorLoad {
  /** Bytes received from the network (compressed, headers included) from navigation to editor ready. */
  bytes: number;
  /** From the first editor coming into view to Monaco showing its code. */
  readyMs: number;
}

/**
 * Opens the lesson in `page`, scrolls its first editor into view and waits until Monaco shows
 * the code. Bytes are counted by Chromium itself (a response served from cache counts 0).
 */
async function loadEditor(page: Page, url: string, readFirstMs = 0): Promise<EditorLoad> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  cdp.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(readFirstMs); // a student reading the introduction first
  await page.locator('.runnable').first().scrollIntoViewIfNeeded();
  // A string, not a function: tsx would wrap named closures in a helper the page does not have.
  const readyMs = Number(
    await (
      await page.waitForFunction(
        `(() => {
          const near = performance.getEntriesByName('cauce:editor-near')[0];
          const ready = performance.getEntriesByName('cauce:editor-ready')[0];
          return near && ready ? ready.startTime - near.startTime : undefined;
        })()`,
        undefined,
        { timeout: 30_000, polling: 20 },
      )
    ).jsonValue(),
  );
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { bytes, readyMs };
}

/** Reading time before scrolling to the editor, in the third measurement. */
const READ_FIRST_MS = 3000;

/**
 * The same lesson cold (a fresh browser context), then warm (a second visit in that context),
 * both scrolled to the editor at once; and warm again, scrolled there after reading a while.
 */
async function editorLoads(browser: Browser, url: string): Promise<{ cold: EditorLoad; warm: EditorLoad; read: EditorLoad }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const cold = await loadEditor(await context.newPage(), url);
    const warm = await loadEditor(await context.newPage(), url);
    const read = await loadEditor(await context.newPage(), url, READ_FIRST_MS);
    return { cold, warm, read };
  } finally {
    await context.close();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
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
    const editorRows: string[][] = [];
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
        withEditor = kb(total());
      }
      await page.close();
      if (withEditor !== '—') {
        const { cold, warm, read } = await editorLoads(browser, base + lesson.href);
        editorRows.push([lesson.href, kb(cold.bytes), kb(warm.bytes), ms(cold.readyMs), ms(warm.readyMs), ms(read.readyMs)]);
      }
      await fetch(base + lesson.href); // warm
      const { p50, p95 } = await ttfb(base + lesson.href);
      rows.push([lesson.href, `${(firstLoad / 1024).toFixed(1)} KB`, withEditor, `${p50.toFixed(1)} ms`, `${p95.toFixed(1)} ms`]);
    }
    await browser.close();
    printTable(['página', 'JS inicial (gzip)', 'JS tras ver el editor (gzip)', 'TTFB p50', 'TTFB p95'], rows);
    console.log(`\n(${REQUESTS} peticiones secuenciales por página; objetivos: JS inicial ≤ 150 KB, TTFB p50 ≤ 50 ms)`);
    printTable(
      ['página con editor', 'bytes en frío', 'bytes en caliente', 'editor listo en frío', 'editor listo en caliente', `en caliente tras leer ${READ_FIRST_MS / 1000} s`],
      editorRows,
    );
    console.log(
      '\n(bytes recibidos por la red hasta que el editor está listo; tiempo desde que el editor entra en vista hasta que Monaco muestra el código, yendo a él nada más cargar la página o tras leer; objetivo en caliente ≤ 1 s)',
    );
  } finally {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
}

void main();
