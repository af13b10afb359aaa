/**
 * `npm run bench:class`: a class of 40 students on this 2-core machine, through the real HTTP
 * endpoints, against the embedded lab in course mode. Each student joins with the course code,
 * opens a lesson, runs the producer, runs the consumer until it sees messages (then Detener),
 * and runs test_print_values. Prints errors, run latency (queue wait included) p50/p95 per kind,
 * the longest queue a student saw, and server and lab RSS.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCourses } from '../lib/content/load';
import { readRunEvents } from './run-events';

const root = path.resolve(import.meta.dirname, '..');
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 40);
const port = 3296;
const base = `http://localhost:${port}`;
const dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-class-')), 'cauce.sqlite');
const env = {
  ...process.env,
  CAUCE_MODE: 'course',
  CAUCE_DB_FILE: dbFile,
  CAUCE_INSTRUCTOR_PASSWORD: 'bench-profesor',
  CAUCE_LAB_DIR: process.env.CAUCE_LAB_DIR ?? path.join(root, '.lab', 'bench'),
  CAUCE_KAFKA_PORT: process.env.CAUCE_KAFKA_PORT ?? '29092',
  CAUCE_AIRFLOW_PORT: process.env.CAUCE_AIRFLOW_PORT ?? '28080',
  // 40 students share one address here: the per-minute run limit is per student anyway.
  NEXT_TELEMETRY_DISABLED: '1',
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function snippet(lessonSlug: string, fileName: string): string {
  const body = loadCourses().flatMap((c) => c.lessons).find((l) => l.slug === lessonSlug)!.body;
  const runnable = body.slice(body.indexOf('<Runnable'));
  const match = new RegExp('```\\w+ title="' + fileName.replace('.', '\\.') + '"\\n([\\s\\S]*?)```').exec(runnable);
  if (!match?.[1]) throw new Error(`${fileName} no está en ${lessonSlug}`);
  return match[1];
}

interface Outcome { kind: string; ms: number; reason: string; maxQueue: number }

class Student {
  private cookie = '';
  constructor(readonly name: string) {}

  private headers(json = true): Record<string, string> {
    return { ...(json ? { 'content-type': 'application/json' } : {}), origin: base, cookie: this.cookie };
  }

  async join(code: string) {
    const response = await fetch(`${base}/api/session`, { method: 'POST', headers: this.headers(), body: JSON.stringify({ codigo: code, nombre: this.name }) });
    if (!response.ok) throw new Error(`unirse: ${response.status} ${await response.text()}`);
    this.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  async open(href: string) {
    const response = await fetch(base + href, { headers: this.headers(false) });
    if (!response.ok) throw new Error(`abrir ${href}: ${response.status}`);
    await response.text();
  }

  /**
   * Starts a run and follows it; `until` may stop it early (the consumer). `example`: the
   * lesson's example it is (its declared run length comes from there), else a bench id.
   */
  async run(kind: string, lesson: string, files: { name: string; content: string }[], until?: (records: number) => boolean, example = 'bench'): Promise<Outcome> {
    const started = performance.now();
    const response = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ lesson, snippet: `${lesson}/${example}`, kind, files }),
    });
    const body = (await response.json()) as { ok: boolean; runId?: string; message?: string };
    if (!body.ok || !body.runId) return { kind, ms: NaN, reason: `rechazada (${response.status}): ${body.message}`, maxQueue: 0 };
    let records = 0;
    let maxQueue = 0;
    let reachedGoal = NaN;
    let reason = 'sin-fin';
    const events = await fetch(`${base}/api/runs/${body.runId}/events`, { headers: this.headers(false) });
    await readRunEvents(events, async (event) => {
      if (event.type === 'status' && event.state === 'queued') maxQueue = Math.max(maxQueue, event.position ?? 0);
      if (event.type === 'record' && event.record.direction === 'consumed') records += 1;
      if (until && Number.isNaN(reachedGoal) && until(records)) {
        reachedGoal = performance.now() - started;
        await fetch(`${base}/api/runs/${body.runId}/stop`, { method: 'POST', headers: this.headers(false) });
      }
      if (event.type === 'exit') reason = event.reason;
    });
    const ms = until ? reachedGoal : performance.now() - started;
    const ok = until ? Number.isFinite(reachedGoal) && (reason === 'stopped' || reason === 'finished') : reason === 'finished';
    return { kind, ms, reason: ok ? 'ok' : reason, maxQueue };
  }
}

function rssMb(filter: (line: string) => boolean): number {
  const out = spawnSync('ps', ['-eo', 'rss=,user=,args='], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((line) => line.trim() && filter(line)).reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0) / 1024;
}

async function waitUntilReady() {
  for (let i = 0; i < 600; i++) {
    try {
      const status = (await (await fetch(`${base}/api/lab/status`)).json()) as { kafka: { ok: boolean }; airflow?: { ok: boolean } };
      if (status.kafka.ok && status.airflow?.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('el sitio o el laboratorio no estuvieron listos');
}

async function main() {
  const launcher = spawn(process.execPath, [path.join(root, 'scripts', 'cauce.mjs'), 'serve', '--port', String(port)], { cwd: root, env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitUntilReady();
    process.env.CAUCE_DB_FILE = dbFile; // the same SQLite file as the server's
    const { db } = await import('../lib/db');
    const { createCourse } = await import('../lib/db/courses');
    const course = await createCourse(await db(), { title: 'Clase de prueba', createdBy: null });
    const producer = [{ name: 'producer.ts', content: snippet('productor', 'producer.ts') }];
    const consumer = [{ name: 'consumer.ts', content: snippet('consumidor', 'consumer.ts') }];
    const dag = [{ name: 'test_print_values.py', content: snippet('definicion-workflow', 'test_print_values.py') }];

    const serverRss = () => rssMb((l) => l.includes(`serve-next.mjs ${port}`));
    const labDir = env.CAUCE_LAB_DIR;
    const labRss = () => rssMb((l) => (l.includes('kafka.Kafka') && l.includes(labDir)) || l.includes('TenantAdmin') || /airflow (api-server|scheduler|dag-processor|triggerer)/.test(l) || l.includes('cauce_dag_worker'));
    const rssBefore = { server: serverRss(), lab: labRss() };
    let rssPeak = { ...rssBefore };
    const sampler = setInterval(() => {
      rssPeak = { server: Math.max(rssPeak.server, serverRss()), lab: Math.max(rssPeak.lab, labRss()) };
    }, 1000);

    const started = performance.now();
    const outcomes: Outcome[] = [];
    const errors: string[] = [];
    await Promise.all(
      Array.from({ length: STUDENTS }, async (_, i) => {
        const student = new Student(`Estudiante ${i + 1}`);
        try {
          await student.join(course.join_code);
          await student.open('/cursos/kafka/productor');
          outcomes.push(await student.run('kafka-ts', 'kafka/productor', producer));
          await student.open('/cursos/kafka/consumidor');
          outcomes.push({ ...(await student.run('kafka-ts', 'kafka/consumidor', consumer, (n) => n >= 5, 'consumidor-de-mensajes')), kind: 'consumidor' });
          await student.open('/cursos/airflow/definicion-workflow');
          outcomes.push(await student.run('airflow-dag', 'airflow/definicion-workflow', dag));
        } catch (error) {
          errors.push(`${student.name}: ${(error as Error).message}`);
        }
      }),
    );
    clearInterval(sampler);
    const wall = performance.now() - started;
    const failed = outcomes.filter((o) => o.reason !== 'ok');
    console.log(`\nClase de ${STUDENTS} estudiantes (modo curso, laboratorio integrado, ${os.cpus().length} núcleos), ${secs(wall)} en total`);
    console.log(`- errores: ${errors.length + failed.length} (${[...errors, ...failed.map((f) => `${f.kind}: ${f.reason}`)].slice(0, 5).join('; ') || 'ninguno'})`);
    for (const kind of ['kafka-ts', 'consumidor', 'airflow-dag']) {
      const ms = outcomes.filter((o) => o.kind === kind && o.reason === 'ok').map((o) => o.ms);
      const label = kind === 'kafka-ts' ? 'productor (hasta terminar)' : kind === 'consumidor' ? 'consumidor (hasta ver 5 mensajes)' : 'test_print_values (hasta el estado final)';
      console.log(`- ${label}: p50 ${secs(percentile(ms, 50))}, p95 ${secs(percentile(ms, 95))} (${ms.length} ejecuciones, espera en cola incluida)`);
    }
    console.log(`- cola más larga vista por un estudiante: ${Math.max(0, ...outcomes.map((o) => o.maxQueue))}`);
    console.log(`- RSS del servidor: ${rssBefore.server.toFixed(0)} MB antes, pico ${rssPeak.server.toFixed(0)} MB; laboratorio (Kafka + Airflow + workers): ${rssBefore.lab.toFixed(0)} MB antes, pico ${rssPeak.lab.toFixed(0)} MB`);
  } finally {
    try {
      process.kill(-launcher.pid!, 'SIGINT');
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 8000));
    fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
