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

/** A runnable's section, with when its run was seen to end well (set by {@link watchFinish}). */
type WatchedSection = Element & { cauceDoneAt?: number };

/**
 * Starts watching, in the page itself, for the runnable's run to end well, and returns a function
 * that resolves with when it did (the browser's clock, shared by every page of the machine). Read
 * in the page, not by polling from the test: three pages polled at once on a loaded machine can
 * lag by more than a run (CI saw Bruno's end 10 ms «after» Ana's next one). Kept on the section,
 * so two runnables of one page are told apart.
 */
async function watchFinish(runnable: Locator): Promise<() => Promise<number>> {
  await runnable.evaluate((section: WatchedSection) => {
    const seen = () => {
      const status = section.querySelector('[aria-label="Salida de la ejecución"] [role="status"]');
      if (status?.textContent?.includes('Terminado')) section.cauceDoneAt ??= Date.now();
    };
    new MutationObserver(seen).observe(section, { subtree: true, childList: true, characterData: true });
    seen();
  });
  const doneAt = () => runnable.evaluate((section: WatchedSection) => section.cauceDoneAt ?? 0);
  return async () => {
    await expect.poll(doneAt, { timeout: 60_000 }).toBeGreaterThan(0);
    return doneAt();
  };
}

test('dos alumnos: uno pulsa cinco veces y otro una; el segundo pasa en su turno, viendo su puesto y la espera', async ({ browser }) => {
  test.setTimeout(180_000);
  const ana = (await joinCourse(browser, server, code, 'Ana')).context();
  const bruno = (await joinCourse(browser, server, code, 'Bruno')).context();

  // Ana's first click holds the only slot: a consumer runs until she stops it (of the topic
  // her producer creates, as the lessons go).
  const anaFirst = await clickRun(await ana.newPage(), '/cursos/kafka/productor', 'Productor de mensajes');
  await (
    await watchFinish(anaFirst)
  )();
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
  const ends = await Promise.all([watchFinish(brunoProducer), watchFinish(anaQueued[0]!), watchFinish(anaQueued[2]!)]);
  await anaConsumer.getByRole('button', { name: 'Detener' }).click();
  const [brunoDone, anaSecondDone, anaLastDone] = (await Promise.all(ends.map((end) => end()))) as [number, number, number];
  expect(brunoDone).toBeLessThan(anaSecondDone);
  expect(anaSecondDone).toBeLessThan(anaLastDone);
  await ana.close();
  await bruno.close();
});
