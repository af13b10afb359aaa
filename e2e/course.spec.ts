import type { Browser, Page } from '@playwright/test';
import { seriousViolations } from './axe';
import { joinCourse, signInAsInstructor, startCourseServer, serverActionId, type CourseServer } from './course-server';
import { expect, test } from './fixtures';

// A lesson with an editor and no Retos (a lesson with Retos completes when they pass, not with the button).
const LESSON = '/cursos/kafka/spark-streaming';

let server: CourseServer;
let joinCode: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  server = await startCourseServer();
});

test.afterAll(async () => {
  await server?.stop();
});

/** Joins in a fresh browser context; `shownAs` is the name the header shows (the first spelling used). */
const join = (browser: Browser, name: string, shownAs = name): Promise<Page> => joinCourse(browser, server, joinCode.toLowerCase(), name, shownAs);

test.describe('alojar un curso (CAUCE_MODE=course)', () => {
  test('el profesor entra con su contraseña y crea un curso con código', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const page = await context.newPage();
    await page.goto('/profesor');
    await expect(page).toHaveURL(/\/profesor\/entrar$/);
    await page.getByLabel('Usuario').fill('profesor');
    await page.getByLabel('Contraseña').fill('no es esta');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect(page.locator('#form-error')).toHaveText('Usuario o contraseña incorrectos.');
    await expect(page.getByLabel('Usuario')).toHaveValue('profesor'); // kept; the password is not
    await page.getByLabel('Contraseña').fill(server.instructorPassword);
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect(page.getByRole('heading', { name: 'Panel del profesor' })).toBeVisible();
    await page.getByLabel('Título del nuevo curso').fill('Kafka, grupo de tarde');
    await page.getByRole('button', { name: 'Crear curso' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Código para los alumnos' });
    await expect(status).toBeVisible();
    joinCode = (/Código para los alumnos: ([A-Z0-9]{8})/.exec(await status.innerText()) ?? [])[1]!;
    expect(joinCode).toMatch(/^[A-Z2-9]{8}$/);
    await expect(page.getByRole('row', { name: /Kafka, grupo de tarde/ })).toContainText(joinCode);

    // The instructor pages and the sign-in pages pass axe in both themes.
    await page.getByRole('link', { name: 'Kafka, grupo de tarde', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Kafka, grupo de tarde' })).toBeVisible();
    const coursePage = new URL(page.url()).pathname;
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      for (const path of ['/profesor', coursePage, '/unirse', '/profesor/entrar']) {
        await page.goto(path);
        await page.waitForLoadState('networkidle');
        expect(await seriousViolations(page), `${path} (${theme})`).toEqual([]);
      }
    }
    await context.close();
  });

  test('un código equivocado se explica en español y no deja entrar', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const page = await context.newPage();
    await page.goto('/unirse');
    await page.getByLabel('Código del curso').fill('AAAA-AAAA');
    await page.getByLabel('Tu nombre').fill('Ana');
    await page.getByRole('button', { name: 'Unirme' }).click();
    await expect(page.locator('#form-error')).toHaveText('No hay ningún curso con ese código. Compruébalo con tu profesor.');
    await expect(page.getByLabel('Código del curso')).toHaveAttribute('aria-invalid', 'true');
    await context.close();
  });

  test('el alumno se une; su código y su avance vuelven en otro navegador al volver a unirse', async ({ browser }) => {
    const page = await join(browser, 'Ana Pérez');
    await page.goto(LESSON);
    const runnable = page.getByRole('region', { name: /Ejemplo ejecutable/ }).first();
    await runnable.scrollIntoViewIfNeeded();
    const editor = runnable.locator('.monaco-editor').first();
    await expect(editor).toBeVisible();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+Home');
    // The debounced save: the server action whose arguments carry the edited code.
    const saved = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.request().headers()['next-action'] !== undefined && (r.request().postData() ?? '').includes('en el servidor'),
      { timeout: 10_000 },
    );
    await page.keyboard.type('// código de Ana en el servidor\n');
    await saved;
    await page.getByRole('button', { name: 'Marcar como completada' }).click();
    await expect(page.getByRole('button', { name: '✓ Lección completada' })).toHaveAttribute('aria-pressed', 'true');
    await page.waitForLoadState('networkidle');
    // Nothing of the student's is left in this (possibly shared) browser's storage.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('cauce:code:') || k === 'cauce:completed'))).toEqual([]);

    const other = await join(browser, 'ana perez', 'Ana Pérez');
    await other.goto(LESSON);
    const again = other.getByRole('region', { name: /Ejemplo ejecutable/ }).first();
    await again.scrollIntoViewIfNeeded();
    await expect(again.locator('.view-lines').first()).toContainText('código de Ana en el servidor');
    await expect(other.getByRole('button', { name: '✓ Lección completada' })).toHaveAttribute('aria-pressed', 'true');

    // Another student sees neither.
    const bruno = await join(browser, 'Bruno');
    await bruno.goto(LESSON);
    const his = bruno.getByRole('region', { name: /Ejemplo ejecutable/ }).first();
    await his.scrollIntoViewIfNeeded();
    await expect(his.locator('.monaco-editor').first()).toBeVisible();
    await expect(his.locator('.view-lines').first()).not.toContainText('código de Ana');
    await expect(bruno.getByRole('button', { name: 'Marcar como completada' })).toHaveAttribute('aria-pressed', 'false');

    // A student is not an instructor.
    await bruno.goto('/profesor');
    await expect(bruno).toHaveURL(/\/profesor\/entrar$/);

    // "Salir" ends the session.
    await other.goto('/');
    await other.getByRole('button', { name: 'Salir' }).click();
    await expect(other).toHaveURL(/\/unirse$/);
    await expect(other.getByRole('navigation', { name: 'Sesión' }).getByRole('link', { name: 'Unirse' })).toBeVisible();
  });

  test('una server action llamada desde otro origen se rechaza (y desde el propio, funciona)', async ({ browser }) => {
    const page = await join(browser, 'Carla');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'cauce_sesion');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    const action = serverActionId('app/progreso/actions.ts', 'saveCompletion');
    const call = (origin: string) =>
      page.request.post(`${server.baseURL}/`, {
        headers: { 'next-action': action, origin, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
        data: JSON.stringify(['kafka/conceptos', true]),
        failOnStatusCode: false,
      });
    const foreign = await call('https://malvado.example');
    expect(foreign.status()).toBeGreaterThanOrEqual(400);
    const check = serverActionId('app/progreso/actions.ts', 'loadCompletions');
    const marks = async () =>
      (
        await page.request.post(`${server.baseURL}/`, {
          headers: { 'next-action': check, origin: server.baseURL, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
          data: '[]',
        })
      ).text();
    expect(await marks()).not.toContain('kafka/conceptos');
    expect((await call(server.baseURL)).status()).toBe(200);
    expect(await marks()).toContain('kafka/conceptos');
  });

  test('A no puede seguir ni detener la ejecución de B aunque tenga su id', async ({ browser }) => {
    const ana = await join(browser, 'Ana Pérez');
    const bruno = await join(browser, 'Bruno');
    // Playwright's request API sends no Origin (a browser would): the site refuses a POST without it.
    const origin = { origin: server.baseURL };
    const started = await ana.request.post(`${server.baseURL}/api/runs`, {
      headers: origin,
      data: { lesson: 'kafka/productor', snippet: 'kafka/productor/productor-de-mensajes', kind: 'kafka-ts', files: [{ name: 'p.ts', content: "console.log('hola')\n" }] },
    });
    expect(started.status()).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    expect((await bruno.request.get(`${server.baseURL}/api/runs/${runId}/events`, { failOnStatusCode: false })).status()).toBe(404);
    expect((await bruno.request.post(`${server.baseURL}/api/runs/${runId}/stop`, { headers: origin, failOnStatusCode: false })).status()).toBe(404);
    const foreignStop = await ana.request.post(`${server.baseURL}/api/runs/${runId}/stop`, { headers: { origin: 'https://malvado.example' }, failOnStatusCode: false });
    expect(foreignStop.status()).toBe(403);
    expect((await ana.request.post(`${server.baseURL}/api/runs/${runId}/stop`, { headers: origin })).status()).toBe(200);
  });

  test('el profesor ve quién completó qué, las ejecuciones de cada alumno y descarga el CSV', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const page = await context.newPage();
    await signInAsInstructor(page, server);
    await page.getByRole('link', { name: 'Kafka, grupo de tarde', exact: true }).click();
    const ana = page
      .getByRole('table')
      .first()
      .getByRole('row', { name: /Ana Pérez/ });
    await expect(ana).toContainText('1 de');
    const grid = page.getByRole('table', { name: 'Lección por alumno: ✓ completada' });
    await expect(grid.getByRole('row', { name: /Ana Pérez/ })).toContainText('Completada');
    // The runs Ana and the others made in this course show up minute by minute.
    const perMinute = page.getByRole('figure', { name: /Ejecuciones por minuto/ });
    await expect(perMinute).not.toContainText('(últimos 15 min: 0)');
    expect(await seriousViolations(page)).toEqual([]);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Descargar progreso (CSV)' }).click();
    const file = await (await download).path();
    const csv = (await import('node:fs')).readFileSync(file, 'utf8');
    expect(csv).toMatch(/"Ana Pérez"/);
    expect(csv.split('\r\n')[0]).toContain('"kafka/productor"');
    await context.close();
  });
});
