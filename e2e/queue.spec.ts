import type { Locator, Page } from '@playwright/test';
import { createCourse, joinCourse, startCourseServer, type CourseServer } from './course-server';
import { openRunnable, runStatus } from './editor';
import { expect, test } from './fixtures';

/**
 * A class sharing one run slot (CAUCE_MAX_CONCURRENT_RUNS=1): a student who clicks five times
 * does not push the others back; whoever waits sees their place and an estimate.
 */
let server: CourseServer;
let code: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startCourseServer(Number(process.env.E2E_QUEUE_PORT ?? 3212), { CAUCE_MAX_CONCURRENT_RUNS: '1' });
  code = await createCourse(browser, server, 'Turnos');
});

test.afterAll(async () => {
  await server?.stop();
});

async function clickRun(page: Page, path: string, title: string): Promise<Locator> {
  await page.goto(path);
  const runnable = await openRunnable(page, title);
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  return runnable;
}

/**
 * Resolves with the time the runnable's run is seen to end well. Read every 50 ms: expect's own
 * retries back off to a second, so of two runs ending half a second apart the later one could be
 * seen first (CI saw Bruno's end "after" Ana's next one by 19 ms).
 */
async function finishedAt(runnable: Locator): Promise<number> {
  await expect.poll(async () => (await runStatus(runnable).textContent()) ?? '', { timeout: 60_000, intervals: [50] }).toContain('Terminado');
  return Date.now();
}

test('dos alumnos: uno pulsa cinco veces y otro una; el segundo pasa en su turno, viendo su puesto y la espera', async ({ browser }) => {
  test.setTimeout(180_000);
  const ana = (await joinCourse(browser, server, code, 'Ana')).context();
  const bruno = (await joinCourse(browser, server, code, 'Bruno')).context();

  // Ana's first click holds the only slot: a consumer runs until she stops it (of the topic
  // her producer creates, as the lessons go).
  const anaFirst = await clickRun(await ana.newPage(), '/cursos/kafka/productor', 'Productor de mensajes');
  await finishedAt(anaFirst);
  await anaFirst.page().close();
  const anaConsumer = await clickRun(await ana.newPage(), '/cursos/kafka/consumidor', 'Consumidor de mensajes');
  await expect(anaConsumer.getByRole('button', { name: 'Detener' })).toBeVisible();
  await expect(runStatus(anaConsumer)).toContainText('Ejecutando', { timeout: 30_000 });

  // Three more wait behind her own run; the fifth is refused, with the reason.
  const anaQueued: Locator[] = [];
  for (let i = 1; i <= 3; i++) {
    const producer = await clickRun(await ana.newPage(), '/cursos/kafka/productor', 'Productor de mensajes');
    await expect(runStatus(producer)).toContainText(`En cola: ${i} (espera a que termine tu otra ejecución) · empieza en`);
    anaQueued.push(producer);
  }
  const fifth = await clickRun(await ana.newPage(), '/cursos/kafka/laboratorio', 'Comprobar el cluster');
  await expect(fifth.getByRole('alert')).toContainText('Ya tienes 3 ejecuciones esperando turno');

  // Bruno clicks once, last of all, and is next: his place and an estimate, in words.
  const brunoProducer = await clickRun(await bruno.newPage(), '/cursos/kafka/productor', 'Productor de mensajes');
  await expect(runStatus(brunoProducer)).toContainText(/En cola: 1 · empieza en (menos de 5 s|unos \d+ s|alrededor de 1 min|unos \d+ min)/);
  await expect(runStatus(anaQueued[0]!)).toContainText('En cola: 2 (espera a que termine tu otra ejecución)');
  await expect(runStatus(anaQueued[2]!)).toContainText('En cola: 4');

  // Ana stops her consumer: Bruno's run is served before her next one.
  const order = Promise.all([finishedAt(brunoProducer), finishedAt(anaQueued[0]!), finishedAt(anaQueued[2]!)]);
  await anaConsumer.getByRole('button', { name: 'Detener' }).click();
  const [brunoDone, anaSecondDone, anaLastDone] = await order;
  expect(brunoDone).toBeLessThan(anaSecondDone);
  expect(anaSecondDone).toBeLessThan(anaLastDone);
  await ana.close();
  await bruno.close();
});
