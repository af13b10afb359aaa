/**
 * `npm run bench:class`: a class on this 2-core machine, through the real HTTP endpoints,
 * against the embedded lab in course mode, in two scenes (BENCH_SCENES=burst,class to pick):
 * - burst: BENCH_STUDENTS (40) students at once; each joins with the course code, opens a
 *   lesson, runs the producer, runs the consumer until it sees 5 messages (then Detener) and
 *   runs test_print_values.
 * - class: BENCH_CLASS_STUDENTS (100) students over BENCH_CLASS_MINUTES (10) minutes, whose
 *   clicks arrive at random (a Poisson process: each student's four clicks at uniform random
 *   times of the window, a click waiting for that student's previous run): producer,
 *   consumer-until-5, test_print_values and the TarGz DAG.
 * Prints errors, run latency (queue wait included) p50/p95 per kind, the queue wait itself,
 * the longest wait and queue a student saw, and the peak RSS of the site and the lab, with the
 * PSS of the launcher's whole process tree (the real memory: RSS counts shared pages per process),
 * and where the CPU went (site, Kafka, Airflow, the rest: sandboxes and DAG children).
 * Each scene starts on a settled machine (see {@link untilQuiet}).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCourses } from '../lib/content/load';
import { cpuSecondsByPart, machineBusySeconds } from './process-cpu';
import { treeMemory, watchTreeMemory } from './process-memory';
import { processTable, type ProcessRow } from './process-table';
import { readRunEvents } from './run-events';

const root = path.resolve(import.meta.dirname, '..');
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 40);
const CLASS_STUDENTS = Number(process.env.BENCH_CLASS_STUDENTS ?? 100);
const CLASS_MINUTES = Number(process.env.BENCH_CLASS_MINUTES ?? 10);
const SCENES = (process.env.BENCH_SCENES ?? 'burst,class').split(',');
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
  CAUCE_HADOOP: 'off',
  // 40 students share one address here: the per-minute run limit is per student anyway.
  NEXT_TELEMETRY_DISABLED: '1',
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function snippet(lessonSlug: string, fileName: string): string {
  const body = loadCourses()
    .flatMap((c) => c.lessons)
    .find((l) => l.slug === lessonSlug)!.body;
  const runnable = body.slice(body.indexOf('<Runnable'));
  const match = new RegExp('```\\w+ title="' + fileName.replace('.', '\\.') + '"\\n([\\s\\S]*?)```').exec(runnable);
  if (!match?.[1]) throw new Error(`${fileName} no está en ${lessonSlug}`);
  return match[1];
}

interface Outcome {
  kind: string;
  ms: number;
  reason: string;
  maxQueue: number;
  waitMs: number;
}

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
   * lesson's example it is (the site refuses ids the lessons do not have; its declared run
   * length comes from there).
   */
  async run(kind: string, lesson: string, files: { name: string; content: string }[], until: ((records: number) => boolean) | undefined, example: string): Promise<Outcome> {
    const started = performance.now();
    let waitMs = 0;
    const response = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ lesson, snippet: `${lesson}/${example}`, kind, files }),
    });
    const body = (await response.json()) as { ok: boolean; runId?: string; message?: string };
    if (!body.ok || !body.runId) return { kind, ms: NaN, reason: `rechazada (${response.status}): ${body.message}`, maxQueue: 0, waitMs: NaN };
    let records = 0;
    let maxQueue = 0;
    let reachedGoal = NaN;
    let reason = 'sin-fin';
    let lastLine = '';
    const events = await fetch(`${base}/api/runs/${body.runId}/events`, { headers: this.headers(false) });
    await readRunEvents(events, async (event) => {
      if (event.type === 'status' && event.state === 'queued') maxQueue = Math.max(maxQueue, event.position ?? 0);
      if (event.type === 'status' && event.state !== 'queued' && !waitMs) waitMs = performance.now() - started;
      if (event.type === 'record' && event.record.direction === 'consumed') records += 1;
      if (until && Number.isNaN(reachedGoal) && until(records)) {
        reachedGoal = performance.now() - started;
        await fetch(`${base}/api/runs/${body.runId}/stop`, { method: 'POST', headers: this.headers(false) });
      }
      // The line that names the error: not a stack frame ("at createErrorFromCode (…)" hides the
      // broker's error name), and not node's version line that ends a stack.
      if (event.type === 'stderr' || event.type === 'stdout')
        for (const line of event.text.split('\n')) if (/error|exception/i.test(line) && !/^\s*at /.test(line)) lastLine = line.trim();
      if (event.type === 'exit')
        reason = event.reason === 'finished' || event.reason === 'stopped' ? event.reason : `${event.reason} «${(lastLine || event.message).slice(0, 160)}»`;
    });
    const ms = until ? reachedGoal : performance.now() - started;
    // A consumer that never saw its messages is an error whatever its end reason says.
    const ok = until ? Number.isFinite(reachedGoal) && (reason === 'stopped' || reason === 'finished') : reason === 'finished';
    if (until && !Number.isFinite(reachedGoal) && (reason === 'stopped' || reason === 'finished')) reason = `${reason} sin ver los mensajes (${records} de los esperados)`;
    return { kind, ms, reason: ok ? 'ok' : reason, maxQueue, waitMs };
  }
}

/** RSS of the processes whose command line `filter` picks, MB. */
function rssMb(table: ProcessRow[], filter: (args: string) => boolean): number {
  return table.filter((row) => filter(row.args)).reduce((sum, row) => sum + row.rssKb, 0) / 1024;
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

/**
 * Waits until the machine has been quiet for a few seconds (under a quarter of its cores busy):
 * a class meets a server that has settled, not one still warming up. Started on the first good
 * lab status, a scene also paid for the DAG workers importing Airflow (most of a core for about
 * 10 s), which took producer p95 in the burst from about 8 to 12 s.
 */
async function untilQuiet(): Promise<void> {
  const cores = os.cpus().length;
  let quietSeconds = 0;
  for (let second = 0; second < 180 && quietSeconds < 3; second++) {
    const before = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 1000));
    quietSeconds = (machineBusySeconds() - before) / cores < 0.25 ? quietSeconds + 1 : 0;
  }
}

/**
 * The bench lab's Kafka starts empty (formatted again by the lab): every run adds its students'
 * principals, ACLs and topics: with what some thirty runs had left (1,592 partition folders)
 * the same burst used 46.6-48.3 core-s, against 43.2-45.4 from an empty Kafka, so the figures
 * drifted with how often the bench had run. BENCH_KEEP_KAFKA=1 keeps what is there.
 */
function emptyBenchKafka(): string {
  const dataDir = path.join(env.CAUCE_LAB_DIR, 'kafka', 'data');
  if (process.env.BENCH_KEEP_KAFKA === '1')
    return `Kafka del banco con sus datos anteriores (${fs.existsSync(dataDir) ? fs.readdirSync(dataDir).length : 0} entradas en ${dataDir})`;
  fs.rmSync(dataDir, { recursive: true, force: true });
  return 'Kafka del banco vacío al empezar (BENCH_KEEP_KAFKA=1 conserva sus temas y alumnos)';
}

async function main() {
  console.log(emptyBenchKafka());
  const launcher = spawn(process.execPath, [path.join(root, 'scripts', 'cauce.mjs'), 'serve', '--port', String(port)], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntilReady();
    process.env.CAUCE_DB_FILE = dbFile; // the same SQLite file as the server's
    const { db } = await import('../lib/db');
    const { createCourse } = await import('../lib/db/courses');
    const course = await createCourse(await db(), { title: 'Clase de prueba', createdBy: null });
    const producer = [{ name: 'producer.ts', content: snippet('productor', 'producer.ts') }];
    const consumer = [{ name: 'consumer.ts', content: snippet('consumidor', 'consumer.ts') }];
    const dag = [{ name: 'test_print_values.py', content: snippet('definicion-workflow', 'test_print_values.py') }];

    const labDir = env.CAUCE_LAB_DIR;
    // The long-lived processes of each part, by command line (ps shows Airflow's api-server as
    // `airflow api_server`, and its dag-processor and triggerer as `cauce_components …`).
    const parts = {
      sitio: (l: string) => l.includes(`serve-next.mjs ${port}`),
      Kafka: (l: string) => (l.includes('kafka.Kafka') && l.includes(labDir)) || l.includes('TenantAdmin'),
      Airflow: (l: string) => /airflow (api-server|api_server|scheduler)|cauce_components|cauce_dag_worker/.test(l),
    };
    const serverRss = (table: ProcessRow[]) => rssMb(table, parts.sitio);
    const labRss = (table: ProcessRow[]) => rssMb(table, (l) => parts.Kafka(l) || parts.Airflow(l));
    const tableBefore = processTable();
    const rssBefore = { server: serverRss(tableBefore), lab: labRss(tableBefore) };
    let rssPeak = { ...rssBefore };
    // The launcher's whole tree (site, lab, DAG workers and their children, sandboxes): its PSS
    // is the honest figure; the RSS sums above count copy-on-write pages once per process.
    const treeBefore = treeMemory(launcher.pid!, tableBefore);
    const treeWatch = watchTreeMemory(launcher.pid!);
    // RSS from one read of /proc a second, here; PSS (far dearer) from an idle-priority process.
    const sampler = setInterval(() => {
      const table = processTable();
      rssPeak = { server: Math.max(rssPeak.server, serverRss(table)), lab: Math.max(rssPeak.lab, labRss(table)) };
    }, 1000);

    const targz = [
      { name: 'tar_gz_operator.py', content: snippet('definicion-plugin', 'tar_gz_operator.py') },
      { name: 'backup_dag.py', content: snippet('definicion-plugin', 'backup_dag.py') },
    ];
    const steps: { page: string; act: (s: Student) => Promise<Outcome> }[] = [
      { page: '/cursos/kafka/productor', act: (s) => s.run('kafka-ts', 'kafka/productor', producer, undefined, 'productor-de-mensajes') },
      {
        page: '/cursos/kafka/consumidor',
        act: async (s) => ({ ...(await s.run('kafka-ts', 'kafka/consumidor', consumer, (n) => n >= 5, 'consumidor-de-mensajes')), kind: 'consumidor' }),
      },
      {
        page: '/cursos/airflow/definicion-workflow',
        act: (s) => s.run('airflow-dag', 'airflow/definicion-workflow', dag, undefined, 'cinco-tareas-entre-una-primera-y-una-final'),
      },
      {
        page: '/cursos/airflow/definicion-plugin',
        act: async (s) => ({ ...(await s.run('airflow-dag', 'airflow/definicion-plugin', targz, undefined, 'operador-targz-y-dag-que-lo-usa')), kind: 'targz' }),
      },
    ];

    const scene = async (title: string, students: number, clickAt: (student: number, step: number) => number, stepCount: number) => {
      await untilQuiet();
      const cpuBefore = { ...cpuSecondsByPart(parts), machine: machineBusySeconds() };
      const table = processTable();
      rssPeak = { server: serverRss(table), lab: labRss(table) };
      treeWatch.reset();
      const started = performance.now();
      const outcomes: Outcome[] = [];
      const errors: string[] = [];
      await Promise.all(
        Array.from({ length: students }, async (_, i) => {
          const student = new Student(`${title} ${i + 1}`);
          try {
            await student.join(course.join_code);
            for (let step = 0; step < stepCount; step++) {
              const wait = clickAt(i, step) - (performance.now() - started);
              if (wait > 0) await new Promise((r) => setTimeout(r, wait));
              await student.open(steps[step]!.page);
              outcomes.push(await steps[step]!.act(student));
            }
          } catch (error) {
            errors.push(`${student.name}: ${(error as Error).message}`);
          }
        }),
      );
      const wall = performance.now() - started;
      const cpuAfter = { ...cpuSecondsByPart(parts), machine: machineBusySeconds() };
      const failed = outcomes.filter((o) => o.reason !== 'ok');
      console.log(`\n${title}: ${students} estudiantes (modo curso, laboratorio integrado, ${os.cpus().length} núcleos), ${secs(wall)} en total`);
      console.log(`- errores: ${errors.length + failed.length} (${[...errors, ...failed.map((f) => `${f.kind}: ${f.reason}`)].slice(0, 5).join('; ') || 'ninguno'})`);
      const labels: Record<string, string> = {
        'kafka-ts': 'productor (hasta terminar)',
        consumidor: 'consumidor (hasta ver 5 mensajes)',
        'airflow-dag': 'test_print_values (hasta el estado final)',
        targz: 'DAG TarGz (hasta el estado final)',
      };
      for (const kind of Object.keys(labels)) {
        const done = outcomes.filter((o) => o.kind === kind && o.reason === 'ok');
        if (done.length === 0) continue;
        const ms = done.map((o) => o.ms);
        const waits = done.map((o) => o.waitMs);
        console.log(
          `- ${labels[kind]}: p50 ${secs(percentile(ms, 50))}, p95 ${secs(percentile(ms, 95))} (${ms.length} ejecuciones, espera en cola incluida; la espera sola: p50 ${secs(percentile(waits, 50))}, p95 ${secs(percentile(waits, 95))})`,
        );
      }
      console.log(
        `- espera más larga: ${secs(Math.max(0, ...outcomes.map((o) => o.waitMs).filter(Number.isFinite)))}; cola más larga vista por un estudiante: ${Math.max(0, ...outcomes.map((o) => o.maxQueue))}`,
      );
      console.log(
        `- RSS pico: servidor ${rssPeak.server.toFixed(0)} MB, laboratorio (Kafka + Airflow + workers) ${rssPeak.lab.toFixed(0)} MB, juntos ${(rssPeak.server + rssPeak.lab).toFixed(0)} MB`,
      );
      const { memory: treePeak, samples } = treeWatch.peak();
      console.log(
        treePeak
          ? `- memoria real en el pico (PSS de todo el árbol: sitio, laboratorio, workers y sandboxes): ${treePeak.pssMb.toFixed(0)} MB en ${treePeak.processes} procesos (su RSS sumado: ${treePeak.rssMb.toFixed(0)} MB; ${samples} muestras en ${secs(wall)})`
          : '- memoria real en el pico: sin muestras (el muestreador sólo lee en un núcleo libre)',
      );
      const used = (part: keyof typeof cpuAfter) => cpuAfter[part] - cpuBefore[part];
      const named = (Object.keys(parts) as (keyof typeof parts)[]).map((part) => [part, used(part)] as const);
      const rest = used('machine') - named.reduce((sum, [, seconds]) => sum + seconds, 0);
      console.log(
        `- CPU usada: ${used('machine').toFixed(1)} s de núcleo (${((used('machine') / (wall / 1000) / os.cpus().length) * 100).toFixed(0)} % de la máquina): ${named.map(([part, seconds]) => `${part} ${seconds.toFixed(1)} s`).join(', ')}, sandboxes e hijos de los DAG ${rest.toFixed(1)} s`,
      );
    };

    console.log(
      `RSS en reposo: servidor ${rssBefore.server.toFixed(0)} MB, laboratorio ${rssBefore.lab.toFixed(0)} MB; PSS de todo el árbol ${treeBefore.pssMb.toFixed(0)} MB (${treeBefore.processes} procesos)`,
    );
    if (SCENES.includes('burst')) await scene('Ráfaga', STUDENTS, () => 0, 3);
    if (SCENES.includes('class')) {
      // Every click at a uniform random time of the window: together, a Poisson process.
      const windowMs = CLASS_MINUTES * 60_000;
      const clicks = Array.from({ length: CLASS_STUDENTS }, () => Array.from({ length: steps.length }, () => Math.random() * windowMs).sort((a, b) => a - b));
      await scene('Clase', CLASS_STUDENTS, (student, step) => clicks[student]![step]!, steps.length);
    }
    clearInterval(sampler);
    treeWatch.stop();
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
