import { createCourse, joinCourse, signInAsInstructor, startSupervisedCourseServer, type SupervisedCourseServer } from './course-server';
import { openRunnable, runStatus } from './editor';
import { expect, test } from './fixtures';

/**
 * An instructor's bad day: the site's server is killed (kill -9, as an out-of-memory kill would)
 * while a student's consumer runs. The supervisor brings it back on the same database; the
 * student's page says what happened to that run, their saved code and progress are intact, and
 * the instructor's history shows the run as interrupted instead of a hole.
 */
let server: SupervisedCourseServer;
let code: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startSupervisedCourseServer(Number(process.env.E2E_FAULTS_PORT ?? 3213));
  code = await createCourse(browser, server, 'Día difícil');
});

test.afterAll(async () => {
  await server?.stop();
});

test('matan el servidor del sitio a mitad de una ejecución: vuelve solo, el alumno lo lee, nada suyo se pierde y el profesor la ve interrumpida', async ({ browser }) => {
  test.setTimeout(240_000);
  const page = await joinCourse(browser, server, code, 'Ana');

  // Her topic first (the consumer reads what the lesson's producer writes).
  await page.goto('/cursos/kafka/productor');
  const producer = await openRunnable(page, 'Productor de mensajes');
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(producer)).toContainText('Terminado', { timeout: 60_000 });

  // A lesson without Retos marked done (those with Retos complete when their Retos pass).
  await page.goto('/cursos/kafka/conceptos');
  await page.getByRole('button', { name: 'Marcar como completada' }).click();
  await expect(page.getByRole('button', { name: '✓ Lección completada' })).toHaveAttribute('aria-pressed', 'true');

  // The consumer lesson: she edits the code (saved on the server) and runs it.
  await page.goto('/cursos/kafka/consumidor');
  const consumer = await openRunnable(page, 'Consumidor de mensajes');
  await consumer.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+Home');
  const saved = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().headers()['next-action'] !== undefined && (r.request().postData() ?? '').includes('antes del corte'),
    { timeout: 10_000 },
  );
  await page.keyboard.type('// mi consumidor, antes del corte\n');
  await saved;
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(consumer.getByRole('button', { name: 'Detener' })).toBeVisible();
  await expect(consumer.getByLabel('Salida del programa')).toContainText('offset', { timeout: 30_000 });

  // kill -9 the server under her run.
  const killed = server.pid()!;
  process.kill(killed, 'SIGKILL');
  await expect.poll(() => server.supervisorLog(), { timeout: 60_000 }).toContain('El sitio vuelve a estar disponible.');
  expect(server.supervisorLog()).toContain('El sitio se detuvo inesperadamente (SIGKILL); reiniciando en 1 s…');
  expect(server.pid()).not.toBe(killed);

  // Her page reconnects by itself and hears how that run ended, with what it had shown still there.
  await expect(consumer.getByText('El servidor del sitio se detuvo mientras tu programa se ejecutaba')).toBeVisible({ timeout: 60_000 });
  await expect(runStatus(consumer)).toContainText('Interrumpido: el servidor se reinició');
  await expect(consumer.getByLabel('Salida del programa')).toContainText('offset');

  // A reload: the same end, her saved code and her progress.
  await page.reload();
  const again = await openRunnable(page, 'Consumidor de mensajes');
  await expect(runStatus(again)).toContainText('Interrumpido: el servidor se reinició', { timeout: 30_000 });
  await expect(again.locator('.view-lines').first()).toContainText('mi consumidor, antes del corte');
  await page.goto('/cursos/kafka/conceptos');
  await expect(page.getByRole('button', { name: '✓ Lección completada' })).toHaveAttribute('aria-pressed', 'true');

  // The instructor's history has both runs: the producer as it ended, the consumer as interrupted.
  const instructor = await (await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' })).newPage();
  await signInAsInstructor(instructor, server);
  await instructor.getByRole('link', { name: 'Día difícil', exact: true }).click();
  const failures = instructor.locator('.failed-runs');
  await expect(failures).toContainText('Ana');
  await expect(failures).toContainText('Interrumpido: el servidor se reinició');
  await failures.getByText('Interrumpido: el servidor se reinició').first().click();
  await expect(failures).toContainText('mi consumidor, antes del corte');
  // Her roster row: 1 lesson completed, 2 runs recorded, 1 of them failed (the interrupted one).
  const anaRow = instructor.getByRole('row', { name: /Ana/ }).first();
  await expect(anaRow.getByRole('cell').nth(0)).toHaveText(/^1 de \d+$/);
  await expect(anaRow.getByRole('cell').nth(1)).toHaveText('2');
  await expect(anaRow.getByRole('cell').nth(2)).toHaveText('1');
});
