/**
 * `npm run bench:spark`: Ejecutar → first micro-batch committed, for the Spark lesson's job with
 * the 5-second trigger the lesson offers, p50/p95 over 10 runs, through the same executor a
 * page's run uses (lib/runs/pyspark/execute.ts: the student's principal, the sandbox, the
 * wrapper, the Spark Connect server). Before each run the lesson's five messages are produced to
 * the student's topic, so each run's first batch has rows to write (from its checkpoint on).
 *
 * Against the lab the environment names, as the launcher hands it to the site: KAFKA_BROKERS
 * and KAFKA_ADMIN_* (or CAUCE_LAB_DIR's Kafka secrets), CAUCE_SPARK_REMOTE and the S3 store.
 * A missing part fails the run with its own Spanish message, printed here.
 */
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { readSecrets } from '../lab/kafka/secrets';
import { loadCourses } from '../lib/content/load';
import { kafkaBrokers } from '../lib/env';
import { kafkaTenants } from '../lib/lab/kafka-tenants';
import { executePysparkSnippet } from '../lib/runs/pyspark/execute';
import { DEFAULT_STUDENT, Run } from '../lib/runs/run';
import type { RunEvent } from '../lib/runs/schema';

const RUNS = Number(process.env.CAUCE_BENCH_SPARK_RUNS ?? 10);
const root = path.resolve(import.meta.dirname, '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function lessonJob(): string {
  const lesson = loadCourses()
    .flatMap((c) => c.lessons)
    .find((l) => l.slug === 'spark-streaming')!;
  const code = /```python title="kafka_a_s3\.py"\n([\s\S]*?)```/.exec(lesson.body)?.[1];
  if (!code) throw new Error('no se encontró kafka_a_s3.py en la lección');
  return code.replace('processingTime="1 minute"', 'processingTime="5 seconds"');
}

/** The lesson producer's five messages, to the student's own topic (made if missing), as the admin. */
async function produce(topic: string): Promise<void> {
  const kafka = new Kafka({
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', username: process.env.KAFKA_ADMIN_USERNAME!, password: process.env.KAFKA_ADMIN_PASSWORD! },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }).catch(() => false);
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `sensor-${i % 2}`, value: JSON.stringify({ i, at: Date.now() }) })) });
  await producer.disconnect();
}

interface Timing {
  firstBatchMs?: number;
  rows: number;
  ending: string;
}

/** One run of the job: time from Ejecutar to the first batch that wrote rows, then «Detener». */
async function timedRun(code: string): Promise<Timing> {
  const run = new Run({ lesson: 'kafka/spark-streaming', snippet: 'kafka/spark-streaming/de-kafka-a-s3', kind: 'pyspark', files: [{ name: 'kafka_a_s3.py', content: code }] });
  const started = performance.now();
  const timing: Timing = { rows: 0, ending: '' };
  const emit = run.emit.bind(run);
  run.emit = (event: RunEvent) => {
    if (event.type === 'spark-batch' && event.wrote && timing.firstBatchMs === undefined) {
      timing.firstBatchMs = performance.now() - started;
      timing.rows = event.inputRows;
      run.stop();
    }
    if (event.type === 'exit') timing.ending = `${event.reason}: ${event.message}`;
    emit(event);
  };
  const guard = setTimeout(() => run.stop(), 180_000);
  await executePysparkSnippet(run);
  clearTimeout(guard);
  return timing;
}

async function main(): Promise<void> {
  if (!process.env.KAFKA_ADMIN_USERNAME) {
    const secrets = readSecrets(path.join(process.env.CAUCE_LAB_DIR ?? path.join(root, '.lab'), 'kafka'));
    if (!secrets) throw new Error('Faltan las credenciales de administración de Kafka (KAFKA_ADMIN_* o los secretos del laboratorio).');
    process.env.KAFKA_ADMIN_USERNAME = secrets.adminUser;
    process.env.KAFKA_ADMIN_PASSWORD = secrets.adminPassword;
  }
  const access = await kafkaTenants()!.ensureStudent(DEFAULT_STUDENT);
  const code = lessonJob();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await produce(`${access.prefix}mensajes`);
    const timing = await timedRun(code);
    if (timing.firstBatchMs === undefined) throw new Error(`La ejecución ${i + 1} no escribió ningún micro-lote: ${timing.ending}`);
    times.push(timing.firstBatchMs);
    console.log(`ejecución ${i + 1}: primer micro-lote con ${timing.rows} filas a los ${timing.firstBatchMs.toFixed(0)} ms (${timing.ending.split(':')[0]})`);
  }
  console.log(
    `\nEjecutar → primer micro-lote confirmado (disparador de 5 s), ${RUNS} ejecuciones: p50 ${percentile(times, 50).toFixed(0)} ms, p95 ${percentile(times, 95).toFixed(0)} ms`,
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
