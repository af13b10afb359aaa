/**
 * `npm run bench:runs`: figures for the Kafka run pipeline (issue 3), against the real lab.
 * Starts its own broker (.lab/bench, port 29092) and production server, then prints:
 *  - 50 sequential producer runs: start request → first output byte at the client, p50/p95;
 *  - the same for the lesson's Python producer (kafka-py) beside it, sequential and 20 concurrent;
 *  - the same snippet as a plain `node` process outside the sandbox, and the ratio;
 *  - 20 concurrent runs: all succeed?, p95 (queue wait included);
 *  - server RSS before and after 500 runs, each sample after a full GC.
 * With CAUCE_BENCH_AGAINST=<another checkout, already built> it instead compares the two: both
 * servers on the same lab, 50 sequential runs each, interleaved so load hits both alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { loadCourses } from '../lib/content/load';
import { readRunEvents } from './run-events';

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.CAUCE_BENCH_PORT ?? 3298); // a benchmark knob, like CAUCE_BENCH_AGAINST
const base = `http://localhost:${port}`;
// Set, not read: the lab this benchmark starts, and the site it spawns, get their own folder and port.
process.env.CAUCE_LAB_DIR ??= path.join(root, '.lab', 'bench');
process.env.CAUCE_KAFKA_PORT ??= '29092';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** The lesson's producer as a run request: its file, in either language. */
interface Example {
  kind: 'kafka-ts' | 'kafka-py';
  snippet: string;
  file: string;
}

const TS_PRODUCER: Example = { kind: 'kafka-ts', snippet: 'kafka/productor/productor-de-mensajes', file: 'producer.ts' };
const PY_PRODUCER: Example = { kind: 'kafka-py', snippet: 'kafka/productor/productor-de-mensajes-en-python', file: 'producer.py' };

function producerSnippet(example: Example = TS_PRODUCER): string {
  const lesson = loadCourses()
    .flatMap((c) => c.lessons)
    .find((l) => l.slug === 'productor')!;
  const match = new RegExp('```\\w+ title="' + example.file.replace('.', '\\.') + '"\\n([\\s\\S]*?)```').exec(lesson.body);
  if (!match?.[1]) throw new Error(`no se encontró ${example.file} en la lección`);
  return match[1];
}

interface Timing {
  firstByteMs: number;
  totalMs: number;
  reason: string;
}

/** Starts a run over HTTP and follows its SSE stream; times the first output byte. */
async function timedRun(code: string, site = base, example: Example = TS_PRODUCER): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${site}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: site }, // the site refuses a POST without its Origin
    body: JSON.stringify({ lesson: 'kafka/productor', snippet: example.snippet, kind: example.kind, files: [{ name: example.file, content: code }] }),
  });
  const body = (await response.json()) as { ok: boolean; runId?: string; message?: string };
  if (!body.ok || !body.runId) return { firstByteMs: NaN, totalMs: NaN, reason: `rechazada: ${body.message}` };
  let firstByteMs = NaN;
  let reason = 'sin-fin';
  await readRunEvents(await fetch(`${site}/api/runs/${body.runId}/events`), (event) => {
    if ((event.type === 'stdout' || event.type === 'record') && Number.isNaN(firstByteMs)) firstByteMs = performance.now() - started;
    if (event.type === 'exit') reason = event.reason === 'finished' ? 'finished' : `${event.reason}: ${event.message}`;
  });
  return { firstByteMs, totalMs: performance.now() - started, reason };
}

/**
 * The same snippet run by plain node, outside the sandbox, for the overhead ratio. It gets the
 * same kafkajs shim as the sandbox (which logs the client in), with the lab's admin credential:
 * this process is the bench's own, not a student's.
 */
function plainNodeRunner(code: string, env: Readonly<Record<string, string>>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-bench-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  // Copied, not linked: node resolves links to their target, where kafkajs-real is not found.
  fs.cpSync(path.join(root, 'lib', 'sandbox', 'kafkajs-shim'), path.join(dir, 'node_modules', 'kafkajs'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules', 'kafkajs'), path.join(dir, 'node_modules', 'kafkajs-real'));
  const credentials = env.KAFKA_ADMIN_USERNAME ? { KAFKA_USERNAME: env.KAFKA_ADMIN_USERNAME, KAFKA_PASSWORD: env.KAFKA_ADMIN_PASSWORD ?? '' } : {};
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  fs.writeFileSync(path.join(dir, 'producer.mjs'), js);
  return () =>
    new Promise<Timing>((resolve) => {
      const started = performance.now();
      let firstByteMs = NaN;
      const child = spawn(process.execPath, ['producer.mjs'], {
        cwd: dir,
        env: { KAFKA_BROKERS: `127.0.0.1:${process.env.CAUCE_KAFKA_PORT}`, ...credentials } as unknown as NodeJS.ProcessEnv,
      });
      child.stdout.once('data', () => (firstByteMs = performance.now() - started));
      child.on('close', (code) => resolve({ firstByteMs, totalMs: performance.now() - started, reason: code === 0 ? 'finished' : `code ${code}` }));
    });
}

/**
 * RSS of the site's server process group without its JVM helper (the Kafka tenant admin is part
 * of the lab, and a JVM's heap grows lazily): the Node server itself is what must not leak.
 */
/** Asks the server for a full GC (see serve-next.mjs), so the sample shows live memory, not GC timing. */
async function collectGarbage(pid: number) {
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 1500));
}

function serverRssMb(pgid: number): number {
  const out = spawnSync('ps', ['-o', 'rss=,comm=', '-g', String(pgid)], { encoding: 'utf8' }).stdout;
  return (
    out
      .split('\n')
      .filter((line) => line.trim() && !/\bjava\b/.test(line))
      .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0) / 1024
  );
}

async function waitUntilUp(site = base) {
  for (let i = 0; i < 240; i++) {
    try {
      const status = (await (await fetch(`${site}/api/lab/status`)).json()) as { kafka: { ok: boolean } };
      if (status.kafka.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('el sitio o el laboratorio no respondieron');
}

async function inBatches<T>(count: number, parallel: number, task: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next += 1;
        results.push(await task());
      }
    }),
  );
  return results;
}

async function main() {
  if (spawnSync(path.join(root, 'node_modules/.bin/next'), ['build'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
  const { startLab } = await import('../lab/index');
  const lab = await startLab({ log: () => undefined, airflow: false, hadoop: false, s3: false, spark: false });
  const server = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, '--expose-gc', path.join(root, 'scripts', 'serve-next.mjs'), String(port)], {
    cwd: root,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...lab.env },
  });
  try {
    await waitUntilUp();
    const code = producerSnippet();
    const against = process.env.CAUCE_BENCH_AGAINST?.trim(); // a benchmark knob, not the site's configuration
    if (against) return await compareWith(path.resolve(against), code, lab.env);
    await timedRun(code); // warm: topic creation, first sandbox
    const sandboxed: Timing[] = [];
    for (let i = 0; i < 50; i++) sandboxed.push(await timedRun(code));
    const plainRun = plainNodeRunner(code, lab.env);
    const plain: Timing[] = [];
    for (let i = 0; i < 50; i++) plain.push(await plainRun());

    const concurrent = await Promise.all(Array.from({ length: 20 }, () => timedRun(code)));
    // The article's Python client, the same producer: kafka-py beside kafka-ts.
    const python = producerSnippet(PY_PRODUCER);
    await timedRun(python, base, PY_PRODUCER); // warm: the Python runtime's first resolution
    const pySequential: Timing[] = [];
    for (let i = 0; i < 50; i++) pySequential.push(await timedRun(python, base, PY_PRODUCER));
    const pyConcurrent = await Promise.all(Array.from({ length: 20 }, () => timedRun(python, base, PY_PRODUCER)));
    await collectGarbage(server.pid!);
    const rssBefore = serverRssMb(server.pid!);
    // Sampled every 100 runs: a leak keeps climbing, a warming heap levels off.
    const rssTrend: number[] = [rssBefore];
    const many: Timing[] = [];
    for (let block = 0; block < 5; block++) {
      many.push(...(await inBatches(100, 4, () => timedRun(code))));
      await collectGarbage(server.pid!);
      rssTrend.push(serverRssMb(server.pid!));
    }
    const rssAfter = rssTrend.at(-1)!;

    const sandboxP50 = percentile(
      sandboxed.map((t) => t.firstByteMs),
      50,
    );
    const plainP50 = percentile(
      plain.map((t) => t.firstByteMs),
      50,
    );
    const failed = (list: Timing[]) => {
      const reasons = list.filter((t) => t.reason !== 'finished').map((t) => t.reason);
      const counts = [...new Set(reasons)].map((reason) => `${reasons.filter((r) => r === reason).length}× ${reason.slice(0, 120)}`);
      return reasons.length === 0 ? '0' : `${reasons.length}: ${counts.join('; ')}`;
    };
    console.log('\nEjecuciones kafka-ts (productor de la lección, laboratorio real)');
    console.log(
      `- 50 secuenciales, petición → primer byte de salida: p50 ${ms(sandboxP50)}, p95 ${ms(
        percentile(
          sandboxed.map((t) => t.firstByteMs),
          95,
        ),
      )}; fin: p50 ${ms(
        percentile(
          sandboxed.map((t) => t.totalMs),
          50,
        ),
      )} (${failed(sandboxed)} fallidas)`,
    );
    console.log(
      `- mismo código con node sin sandbox: primer byte p50 ${ms(plainP50)}, p95 ${ms(
        percentile(
          plain.map((t) => t.firstByteMs),
          95,
        ),
      )}; fin p50 ${ms(
        percentile(
          plain.map((t) => t.totalMs),
          50,
        ),
      )}`,
    );
    console.log(`- sobrecoste del sandbox (p50 primer byte, sandbox / node): ${(sandboxP50 / plainP50).toFixed(2)}×`);
    console.log(
      `- 20 concurrentes: ${concurrent.filter((t) => t.reason === 'finished').length}/20 terminaron bien (fallidas ${failed(concurrent)}); primer byte p95 ${ms(
        percentile(
          concurrent.map((t) => t.firstByteMs),
          95,
        ),
      )}, fin p95 ${ms(
        percentile(
          concurrent.map((t) => t.totalMs),
          95,
        ),
      )}`,
    );
    const at = (list: Timing[], key: 'firstByteMs' | 'totalMs', p: number) =>
      ms(
        percentile(
          list.map((t) => t[key]),
          p,
        ),
      );
    const firstAndEnd = (list: Timing[]) =>
      `primer byte p50 ${at(list, 'firstByteMs', 50)}, p95 ${at(list, 'firstByteMs', 95)}; fin p50 ${at(list, 'totalMs', 50)}, p95 ${at(list, 'totalMs', 95)}`;
    console.log('\nEjecuciones kafka-py (el mismo productor de la lección, en Python con kafka-python)');
    console.log(`- 50 secuenciales: ${firstAndEnd(pySequential)} (${failed(pySequential)} fallidas)`);
    console.log(`- kafka-ts, las mismas 50 de arriba: ${firstAndEnd(sandboxed)}`);
    console.log(
      `- 20 concurrentes: ${pyConcurrent.filter((t) => t.reason === 'finished').length}/20 terminaron bien (fallidas ${failed(pyConcurrent)}); ${firstAndEnd(pyConcurrent)}`,
    );
    console.log(
      `- RSS del servidor: ${rssBefore.toFixed(0)} MB antes de 500 ejecuciones, ${rssAfter.toFixed(0)} MB después (${(rssAfter - rssBefore).toFixed(0)} MB; ${failed(many)} fallidas); cada 100: ${rssTrend.map((v) => v.toFixed(0)).join(' → ')} MB`,
    );
  } finally {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // gone
    }
    await lab.stop();
  }
}

/** The A/B: the other checkout's server beside ours, on the same lab, runs interleaved. */
async function compareWith(otherRoot: string, code: string, labEnv: Readonly<Record<string, string>>) {
  const otherPort = port + 1;
  const other = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, path.join(otherRoot, 'scripts', 'serve-next.mjs'), String(otherPort)], {
    cwd: otherRoot,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...labEnv },
  });
  const otherBase = `http://localhost:${otherPort}`;
  try {
    await waitUntilUp(otherBase);
    await timedRun(code);
    await timedRun(code, otherBase);
    const ours: Timing[] = [];
    const theirs: Timing[] = [];
    for (let i = 0; i < 50; i++) {
      // Alternate which goes first, so neither always runs right after the other.
      const pair = i % 2 === 0 ? [ours, theirs] : [theirs, ours];
      pair[0]!.push(await timedRun(code, pair[0] === ours ? base : otherBase));
      pair[1]!.push(await timedRun(code, pair[1] === ours ? base : otherBase));
    }
    const first = (list: Timing[]) => list.map((t) => t.firstByteMs);
    const line = (label: string, list: Timing[]) =>
      `- ${label}: primer byte p50 ${ms(percentile(first(list), 50))}, p95 ${ms(percentile(first(list), 95))} (${list.filter((t) => t.reason !== 'finished').length} fallidas)`;
    console.log(`\nEjecuciones kafka-ts, 50 + 50 alternadas en el mismo laboratorio`);
    console.log(line(`este árbol (${root})`, ours));
    console.log(line(`el otro (${otherRoot})`, theirs));
    console.log(
      `- diferencia p50: ${(percentile(first(ours), 50) - percentile(first(theirs), 50)).toFixed(0)} ms; p95: ${(percentile(first(ours), 95) - percentile(first(theirs), 95)).toFixed(0)} ms`,
    );
  } finally {
    try {
      process.kill(-other.pid!, 'SIGTERM');
    } catch {
      // gone
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
