import type { Locator, Page } from '@playwright/test';
import { seriousViolations } from './axe';
import { createCourse, joinCourse, startCourseServer } from './course-server';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';
import { expect, test } from './fixtures';
import { lessonCode } from './lesson-code';

const PRODUCER = '/cursos/kafka/productor';
const SPARK = '/cursos/kafka/spark-streaming';
const TITLE = 'De Kafka a S3';

/** The lesson's job with the shorter trigger the lesson offers (5 s instead of one minute). */
const job = lessonCode('spark-streaming', 'kafka_a_s3.py');
const fastJob = job.replace('processingTime="1 minute"', 'processingTime="5 seconds"');

// The first run may start the lab's Spark Connect server on demand (a JVM on a 2-core machine):
// a run waits up to SPARK_ON_DEMAND_WAIT_MS (3 min) for it, then says why in Spanish.
const FIRST_BATCH_MS = 240_000;

test.describe.configure({ mode: 'serial' });
test.setTimeout(420_000);

/** Runs the lesson's Python producer once (five messages to the student's `mensajes`). */
async function produce(page: Page): Promise<void> {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes en Python');
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(producer)).toContainText(/Terminado/, { timeout: 60_000 });
}

function batches(runnable: Locator): Locator {
  return runnable.getByRole('region', { name: 'Micro-lotes de la consulta de streaming' });
}

/** The Kafka ranges of each batch, as the batch table shows them: `[from|null, to]` for mensajes/0. */
async function ranges(runnable: Locator): Promise<[number | null, number][]> {
  const details = batches(runnable).locator('details');
  if (!(await details.getAttribute('open'))) await details.locator('summary').click();
  const cells = await details.locator('tbody tr td:last-child').allTextContents();
  return cells.flatMap((text) => {
    const match = /mensajes\/0: (inicio|[\d.]+) → ([\d.]+)/.exec(text);
    return match ? [[match[1] === 'inicio' ? null : Number(match[1]!.replace(/\./g, '')), Number(match[2]!.replace(/\./g, ''))] as [number | null, number]] : [];
  });
}

/** Runs the job until at least one micro-batch wrote rows, then «Detener»; says how the run ended. */
async function runUntilABatch(page: Page, code: string): Promise<Locator> {
  await page.goto(SPARK);
  const spark = await openRunnable(page, TITLE);
  await replaceCode(page, spark, code);
  await spark.getByRole('button', { name: 'Ejecutar' }).click();
  // Fails here with the run's own Spanish message when Spark or S3 is missing from the lab.
  const ending = spark.locator('.output-exit-message');
  await expect(batches(spark).or(ending)).toBeVisible({ timeout: FIRST_BATCH_MS });
  if ((await ending.count()) > 0) throw new Error(`La ejecución terminó sin micro-lotes: ${await ending.innerText()}`);
  await expect(batches(spark)).toContainText(/[1-9]\d* con datos/, { timeout: FIRST_BATCH_MS });
  return spark;
}

test('el alumno produce mensajes, lanza el trabajo de Spark con un disparador de 5 s, ve el micro-lote y el Parquet en S3, lo detiene y al relanzarlo continúa sin repetir mensajes', async ({
  page,
}) => {
  await produce(page);
  const spark = await runUntilABatch(page, fastJob);
  const chart = batches(spark).getByRole('img', { name: /Micro-lotes del trabajo: .* con datos/ });
  await expect(chart).toBeVisible();
  // The objects the batch wrote, listed by the site with the student's own key, and a preview.
  const objects = spark.getByRole('region', { name: 'Objetos escritos en S3' });
  // Written by this run: marked «nuevo» (earlier runs' files stay listed beside them).
  const parquet = objects
    .getByRole('listitem')
    .filter({ hasText: /\.parquet/ })
    .filter({ hasText: 'nuevo' });
  await expect(parquet.first()).toBeVisible({ timeout: 30_000 });
  await parquet
    .first()
    .getByRole('button', { name: /^Ver filas de .*\.parquet$/ })
    .click();
  await expect(objects.getByRole('table')).toContainText('valor');
  // The chart, the batch table, the object list and the preview pass axe (both themes share the markup).
  expect(await seriousViolations(page)).toEqual([]);

  const first = await ranges(spark);
  await spark.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(spark)).toContainText('Detenido', { timeout: 30_000 });
  await expect(spark.locator('.output-exit-message')).toContainText(/query\.stop\(\).*Se escribi(ó 1 micro-lote|eron \d+ micro-lotes) con \d+ filas?\./);
  const lastEnd = first.at(-1)![1];

  // More messages, and the same job again: it resumes from its checkpoint on S3.
  await produce(page);
  const again = await runUntilABatch(page, fastJob);
  await expect(batches(again).getByRole('note')).toContainText(`offset ${lastEnd.toLocaleString('es-ES')}, donde terminó la ejecución anterior`);
  const second = await ranges(again);
  // No message written twice: the first batch starts exactly where the last one ended, and each follows the previous.
  expect(second[0]![0]).toBe(lastEnd);
  for (let i = 1; i < second.length; i++) expect(second[i]![0]).toBe(second[i - 1]![1]);
  await again.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(again)).toContainText('Detenido', { timeout: 30_000 });
});

test('un error de sintaxis de PySpark se marca en su línea en español y no llega a Spark', async ({ page }) => {
  await page.goto(SPARK);
  const spark = await openRunnable(page, TITLE);
  // The `if` without its colon: Python names that very line.
  const broken = job.replace('if "KAFKA_USERNAME" in os.environ:', 'if "KAFKA_USERNAME" in os.environ');
  const line = broken.split('\n').findIndex((l) => l.startsWith('if "KAFKA_USERNAME" in os.environ')) + 1;
  await replaceCode(page, spark, broken);
  await spark.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(spark.getByRole('alert')).toContainText(`error de sintaxis en kafka_a_s3.py, línea ${line}`);
  await expect(spark.getByRole('alert')).toContainText('No se ejecutó.');
  await expect(spark.locator('.squiggly-error').first()).toBeVisible();
});

test('una columna mal escrita se marca en la línea donde se escribió, con la sugerencia de Spark en español', async ({ page }) => {
  await page.goto(SPARK);
  const spark = await openRunnable(page, TITLE);
  const typo = fastJob.replace('CAST(value AS STRING)', 'CAST(valr AS STRING)');
  const line = typo.split('\n').findIndex((l) => l.includes('CAST(valr')) + 1;
  await replaceCode(page, spark, typo);
  await spark.getByRole('button', { name: 'Ejecutar' }).click();
  const ending = spark.locator('.output-exit-message');
  await expect(ending).toContainText(`kafka_a_s3.py, línea ${line}`, { timeout: FIRST_BATCH_MS });
  await expect(ending).toContainText('la columna «valr» no existe');
  await expect(ending).toContainText('«value»');
  await expect(spark.locator('.squiggly-error').first()).toBeVisible();
  await expect(outputLog(spark)).toContainText('AnalysisException');
});

test('en un curso, el trabajo de una alumna no puede leer el tema de otro ni escribir en su prefijo de S3, y se le dice en español', async ({ browser }) => {
  const server = await startCourseServer(Number(process.env.E2E_SPARK_COURSE_PORT ?? 3217));
  try {
    const code = await createCourse(browser, server, 'Spark en clase');
    const ana = await joinCourse(browser, server, code, 'Ana Spark');
    await ana.goto(SPARK);
    const spark = await openRunnable(ana, TITLE);
    // Someone else's topic: Kafka's ACLs refuse the Spark server reading it as Ana.
    const foreignTopic = fastJob.replace('tema = os.environ.get("KAFKA_TOPIC_PREFIX", "") + "mensajes"', 'tema = "otro-alumno.mensajes"');
    await replaceCode(ana, spark, foreignTopic);
    await spark.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(spark.locator('.output-exit-message')).toContainText(/Kafka rechazó la lectura del trabajo: en el laboratorio solo puedes leer temas que empiecen por «[^»]+»/, {
      timeout: FIRST_BATCH_MS,
    });
    // Someone else's S3 prefix: the store refuses Ana's key there (data and checkpoint).
    const foreignPrefix = fastJob.replace('prefijo = os.environ.get("S3_PREFIX", "")', 'prefijo = "alumnos/otro-alumno/"');
    await replaceCode(ana, spark, foreignPrefix);
    await spark.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(spark.locator('.output-exit-message')).toContainText(
      /El almacén S3 rechazó el acceso: en el laboratorio solo puedes escribir bajo s3a:\/\/test-bucket\/alumnos\/[^/]+\//,
      {
        timeout: FIRST_BATCH_MS,
      },
    );
    await ana.context().close();
  } finally {
    await server.stop();
  }
});
