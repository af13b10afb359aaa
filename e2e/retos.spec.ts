import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { seriousViolations } from './axe';
import { createCourse, joinCourse, signInAsInstructor, startCourseServer, type CourseServer } from './course-server';
import { replaceCode } from './editor';
import { expect, test } from './fixtures';

/**
 * A student of a course works a Reto against the real lab: fails it, reads what is missing,
 * takes a hint, fixes the code and passes; progress follows in the lesson and the course; the
 * instructor sees the attempts on the dashboard and in the CSV. Then the solution path.
 */
const LESSON = '/cursos/kafka/productor';
const RETO = 'Tres particiones y claves fieles';
const LOTE = 'Un lote de diez';

let server: CourseServer;
let joinCode: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  server = await startCourseServer(Number(process.env.E2E_RETOS_PORT ?? 3215));
  joinCode = await createCourse(browser, server, 'Retos de Kafka');
});

test.afterAll(async () => {
  await server?.stop();
});

/** The Reto's section and the editor inside it, Monaco mounted. */
async function openReto(page: Page, title: string) {
  const reto = page.getByRole('region', { name: title, exact: true });
  await reto.scrollIntoViewIfNeeded();
  await expect(reto.locator('.monaco-editor').first()).toBeVisible({ timeout: 30_000 });
  return reto;
}

/** The starter code of a Reto as the lesson file has it (the first fence after its tag). */
function retoStarter(id: string, file: string): string {
  const body = readFileSync(path.resolve(import.meta.dirname, '..', 'content', 'kafka', 'productor.mdx'), 'utf8');
  const from = body.indexOf(`<Reto id="${id}"`);
  return new RegExp('```ts title="' + file.replace('.', '\\.') + '"\\n([\\s\\S]*?)```').exec(body.slice(from))![1]!;
}

test.describe('retos comprobados contra el laboratorio real', () => {
  test('el alumno falla, lee el requisito, pide una pista, corrige y supera el reto; el profesor lo ve', async ({ browser, externalRequests }) => {
    test.setTimeout(180_000);
    const page = await joinCourse(browser, server, joinCode, 'Lucía Reto');
    await page.goto('/cursos/kafka');
    await expect(page.getByRole('region', { name: /^Tu avance en / })).toContainText('Retos: 0 de 6 (0 %)');

    await page.goto(LESSON);
    const reto = await openReto(page, RETO);
    await expect(reto.getByRole('listitem').filter({ hasText: 'El tema pedidos tiene 3 particiones' })).toContainText('Por comprobar');

    // The starter: one partition. The verdict names what the lab holds.
    await reto.getByRole('button', { name: 'Ejecutar y comprobar' }).click();
    const summary = reto.locator('.reto-summary');
    await expect(summary).toContainText('Se cumplen 2 de 3 requisitos', { timeout: 60_000 });
    const partitions = reto.getByRole('listitem').filter({ hasText: 'El tema pedidos tiene 3 particiones' });
    await expect(partitions).toContainText('No cumplido');
    await expect(partitions).toContainText('El tema pedidos tiene 1 partición; se pedían 3.');
    await expect(reto.getByRole('listitem').filter({ hasText: 'Cada clave de pedidos' })).toContainText('Cumplido');

    // One hint at a time.
    await reto.getByRole('button', { name: 'Ver una pista (1 de 2)' }).click();
    await expect(reto.getByRole('note', { name: 'Pista 1 de 2' })).toContainText('numPartitions');
    await expect(reto.getByRole('note', { name: 'Pista 2 de 2' })).toHaveCount(0);
    await expect(reto.getByRole('button', { name: 'Ver otra pista (2 de 2)' })).toBeVisible();

    // The fix, and the pass.
    await replaceCode(page, reto, retoStarter('claves-fieles', 'pedidos.ts').replace('numPartitions: 1', 'numPartitions: 3'));
    await reto.getByRole('button', { name: 'Ejecutar y comprobar' }).click();
    await expect(summary).toContainText('¡Reto superado! Se cumplen los 3 requisitos.', { timeout: 60_000 });
    await expect(partitions).toContainText('El tema pedidos tiene 3 particiones.');
    await expect(reto.getByText('✓ Superado')).toBeVisible();
    await expect(page.locator('.lesson-status')).toHaveText('Retos superados: 1 de 2. La lección se completa al superarlos todos.');
    // The verdict, the hint and the editor pass axe in both themes.
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousViolations(page), theme).toEqual([]);
    }

    // The course overview follows; «Continuar» leads to the first unfinished step.
    await page.goto('/cursos/kafka');
    const overview = page.getByRole('region', { name: /^Tu avance en / });
    await expect(overview).toContainText('Lecciones: 0 de 5 (0 %)');
    await expect(overview).toContainText('Retos: 1 de 6 (17 %)');
    await expect(overview.getByRole('link', { name: 'Continuar' })).toHaveAttribute('href', '/cursos/kafka/conceptos');
    await page.goto('/cursos/kafka/conceptos');
    await page.getByRole('button', { name: 'Marcar como completada' }).click();
    await expect(page.getByRole('button', { name: '✓ Lección completada' })).toBeVisible(); // saved on the server
    await page.goto('/');
    const card = page.getByRole('article', { name: 'Apache Kafka – Una introducción rápida' });
    await expect(card.getByRole('region', { name: /^Tu avance en / })).toContainText('Lecciones: 1 de 5 (20 %)');
    await expect(card.getByRole('link', { name: 'Continuar' })).toHaveAttribute('href', '/cursos/kafka/laboratorio');

    // The instructor: two attempts, one hint, passed; where the class is stuck; the CSV.
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const teacher = await context.newPage();
    await signInAsInstructor(teacher, server);
    await teacher.getByRole('link', { name: 'Retos de Kafka', exact: true }).click();
    const grid = teacher.getByRole('region', { name: 'Retos por alumno' });
    const row = grid.getByRole('row', { name: /Lucía Reto/ });
    await expect(row).toContainText('Superado');
    await expect(row).toContainText('2 intentos');
    await expect(row).toContainText('1 pista');
    await expect(teacher.locator('.exercise-stuck li').filter({ hasText: RETO })).toContainText('El tema pedidos tiene 3 particiones · 1 intento de 1 alumno');
    const csvUrl = await teacher.getByRole('link', { name: /CSV/ }).getAttribute('href');
    const csv = await (await teacher.request.get(csvUrl!)).text();
    const [header, ...lines] = csv.trim().split('\r\n');
    const columns = header!.split(',').map((c) => JSON.parse(c) as string);
    const lucia = lines.map((l) => l.split(',').map((c) => JSON.parse(c) as string)).find((cells) => cells[0] === 'Lucía Reto')!;
    const value = (column: string) => lucia[columns.indexOf(column)];
    expect(value('kafka/productor/claves-fieles:superado')).toBe('sí');
    expect(value('kafka/productor/claves-fieles:intentos')).toBe('2');
    expect(value('kafka/productor/claves-fieles:pistas')).toBe('1');
    expect(value('kafka/productor/claves-fieles:solucion_vista')).toBe('no');
    expect(Number(value('kafka/productor/claves-fieles:segundos_hasta_superar'))).toBeGreaterThanOrEqual(0);
    await context.close();
    expect(externalRequests).toEqual([]);
  });

  test('ver la solución pide confirmación, se copia al editor y el profesor sabe que se abrió', async ({ browser }) => {
    test.setTimeout(120_000);
    const page = await joinCourse(browser, server, joinCode, 'Mateo Reto');
    await page.goto(LESSON);
    const reto = await openReto(page, LOTE);
    // Code that cannot run is not judged, and the Reto says so.
    await replaceCode(page, reto, 'const lote = ;\n');
    await reto.getByRole('button', { name: 'Ejecutar y comprobar' }).click();
    await expect(reto.locator('.reto-summary')).toHaveText(
      'Tu código no llegó a ejecutarse (mira el motivo en la salida): corrígelo y vuelve a pulsar «Ejecutar y comprobar». Este intento no cuenta.',
    );
    await reto.getByRole('button', { name: 'Ver solución' }).click();
    const confirm = reto.getByRole('alertdialog');
    await expect(confirm).toContainText('¿Ver la solución? Intentarlo con las pistas enseña más; tu profesor verá que la abriste.');
    await confirm.getByRole('button', { name: 'Cancelar' }).click();
    await expect(reto.getByRole('region', { name: `Solución: ${LOTE}` })).toHaveCount(0);
    await reto.getByRole('button', { name: 'Ver solución' }).click();
    await reto.getByRole('button', { name: 'Sí, ver la solución' }).click();
    const solution = reto.getByRole('region', { name: `Solución: ${LOTE}` });
    await expect(solution).toContainText('Array.from({ length: 10 }');
    await solution.getByRole('button', { name: 'Copiar al editor' }).click();
    await expect(reto.locator('.view-lines').first()).toContainText('Array.from');
    await reto.getByRole('button', { name: 'Ejecutar y comprobar' }).click();
    await expect(reto.locator('.reto-summary')).toContainText('¡Reto superado!', { timeout: 60_000 });

    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const teacher = await context.newPage();
    await signInAsInstructor(teacher, server);
    await teacher.getByRole('link', { name: 'Retos de Kafka', exact: true }).click();
    await expect(teacher.getByRole('region', { name: 'Retos por alumno' }).getByRole('row', { name: /Mateo Reto/ })).toContainText('vio la solución');
    await context.close();
  });
});
