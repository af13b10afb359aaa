/**
 * The whole test suite, as `npm test` and CI run it: lesson fidelity, types, style, unit and lab
 * tests (Vitest, real broker, real Airflow and sandbox), the production build, then Playwright in Debian's
 * Chromium against the real site and lab. Ends with one "Total: N passed, N failed" line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, '.lab', 'test-results');
fs.mkdirSync(results, { recursive: true });
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const steps: string[] = [];

function step(name: string, command: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n\x1b[1m▸ ${name}\x1b[0m`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env } });
  const ok = result.status === 0;
  steps.push(`${ok ? '✔' : '✖'} ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return ok;
}

function count(name: string, ok: boolean) {
  if (ok) total.passed += 1;
  else total.failed += 1;
  return ok;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

// 1. Lessons keep the articles' prose (the team's fidelity tool lives beside the repo).
const fidelity = path.resolve(root, '..', 'shared', 'tools', 'fidelity.py');
if (fs.existsSync(fidelity)) count('fidelity', step('Fidelidad de las lecciones (≥ 95 %)', 'python3', [fidelity, 'content', '--min', '95']));
else console.log('(fidelity.py no está junto al repositorio: se omite la medición de fidelidad)');

// 2. Types.
count('typecheck', step('Tipos (tsc --noEmit)', bin('tsc'), ['--noEmit']));

// 3. Style: ESLint with no warning allowed, and every file as Prettier writes it (`npm run format` fixes that).
count('lint', step('Estilo: ESLint (--max-warnings 0)', bin('eslint'), ['--max-warnings', '0', '.']));
count('format', step('Estilo: Prettier (--check)', bin('prettier'), ['--check', '.']));

// 4. Unit and lab tests. Airflow's venv (from the committed lock) must exist for the DAG runs, kafka-python's for kafka-py.
count('prepare-airflow', step('Preparar Airflow (venv desde el lock, base de datos plantilla)', bin('tsx'), ['lab/cli.ts', 'prepare-airflow']));
count('prepare-hadoop', step('Preparar Hadoop (jars de Maven Central)', bin('tsx'), ['lab/cli.ts', 'prepare-hadoop']));
// The S3 store's `weed`, compiled once from the Go module proxy (minutes the first time, then nothing).
count('prepare-s3', step('Preparar el almacén S3 (SeaweedFS compilado con Go)', bin('tsx'), ['lab/cli.ts', 'prepare-s3']));
// kafka-py runs need the article's Python client (a small venv from lab/kafka/python/requirements.lock).
count('prepare-kafka-python', step('Preparar kafka-python (venv desde el lock)', bin('tsx'), ['lab/cli.ts', 'prepare-kafka-python']));
// Spark Connect (pyspark runs, lab/spark specs): pyspark's venv from its lock, the Kafka and S3A jars, the guard.
count('prepare-spark', step('Preparar Spark (pyspark desde el lock, conectores de Maven Central)', bin('tsx'), ['lab/cli.ts', 'prepare-spark']));
// pyspark runs' sandbox binds the thin Spark Connect client (a venv from lab/spark/client/requirements.lock).
count('prepare-spark-client', step('Preparar pyspark-client (venv desde el lock)', bin('tsx'), ['lab/cli.ts', 'prepare-spark-client']));
const vitestJson = path.join(results, 'vitest.json');
fs.rmSync(vitestJson, { force: true });
const vitestOk = step('Pruebas unitarias y del laboratorio (Vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
const vitest = readJson<{ numPassedTests: number; numFailedTests: number; numPendingTests: number; numTotalTests: number }>(vitestJson);
if (vitest) {
  total.passed += vitest.numPassedTests;
  // A failed beforeAll leaves its tests "skipped" and numFailedTests at 0: the exit code tells.
  total.failed += vitest.numFailedTests || (vitestOk ? 0 : 1);
  total.skipped += vitest.numPendingTests;
} else total.failed += 1;

// 5. The production build the e2e tests (and students) use.
const built = count('build', step('Construcción de producción (next build)', bin('next'), ['build']));

// 6. End to end, in real Chromium against the real lab (its own ports and data folder).
if (built) {
  const playwrightJson = path.join(results, 'playwright.json');
  fs.rmSync(playwrightJson, { force: true });
  const e2eOk = step('Extremo a extremo (Playwright + Chromium + laboratorio real)', bin('playwright'), ['test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
    CAUCE_LAB_DIR: path.join(root, '.lab', 'e2e'),
    // The e2e lab's own ports unless the caller picked others: the child's environment, not read here.
    CAUCE_KAFKA_PORT: process.env.CAUCE_KAFKA_PORT ?? '19092',
    CAUCE_AIRFLOW_PORT: process.env.CAUCE_AIRFLOW_PORT ?? '18080',
    CAUCE_HADOOP_PORT: process.env.CAUCE_HADOOP_PORT ?? '19870',
    CAUCE_S3_PORT: process.env.CAUCE_S3_PORT ?? '18333',
    CAUCE_SPARK_PORT: process.env.CAUCE_SPARK_PORT ?? '15102',
  });
  const report = readJson<{ stats: { expected: number; unexpected: number; flaky: number; skipped: number } }>(playwrightJson);
  if (report) {
    total.passed += report.stats.expected + report.stats.flaky;
    total.failed += report.stats.unexpected || (e2eOk ? 0 : 1); // e.g. a web server that never started
    total.skipped += report.stats.skipped;
  } else total.failed += 1;
}

console.log(`\n${steps.join('\n')}`);
console.log(`\nTotal: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed === 0 ? 0 : 1);
