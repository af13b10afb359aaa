import fs from 'node:fs';
import { airflowPaths } from '../lab/airflow/paths';
import { loadCourses } from '../lib/content/load';
import { seriousViolations } from './axe';
import { startCourseServer, type CourseServer } from './course-server';
import { openRunnable } from './editor';
import { expect, test } from './fixtures';

const courses = loadCourses();
const course = (slug: string) => courses.find((c) => c.slug === slug)!;
const lessonTitle = (courseSlug: string, slug: string) => course(courseSlug).lessons.find((l) => l.slug === slug)!.frontmatter.title;

/** The e2e lab's Airflow admin password, as the launcher generated it. */
function airflowAdminPassword(): string {
  return (JSON.parse(fs.readFileSync(airflowPaths().secretsFile, 'utf8')) as { adminPassword: string }).adminPassword;
}

test.describe('encontrar el camino', () => {
  test('el alumno escribe «kafak», baja con las flechas a una sección y la abre con Intro', async ({ page }) => {
    await page.goto('/');
    const search = page.getByRole('combobox', { name: 'Buscar lecciones' });
    await search.fill('kafak');
    const results = page.getByRole('listbox', { name: 'Resultados de búsqueda' });
    await expect(results.getByRole('option').first()).toContainText('Kafka');
    await expect(search).toHaveAttribute('aria-expanded', 'true');

    // A section hit: its heading first, then its lesson and course.
    await search.fill('comprobar broker');
    const hit = results.getByRole('option', { name: /^Comprobar el broker/ });
    await expect(hit).toContainText(lessonTitle('kafka', 'laboratorio'));
    const options = results.getByRole('option');
    const index = await options.evaluateAll((all) => all.findIndex((o) => o.textContent?.startsWith('Comprobar el broker')));
    for (let i = 0; i <= index; i++) await search.press('ArrowDown');
    await expect(hit).toHaveAttribute('aria-selected', 'true');
    await expect(search).toHaveAttribute('aria-activedescendant', (await hit.getAttribute('id'))!);
    await expect(search).toBeFocused();
    await search.press('Enter');
    await expect(page).toHaveURL('/cursos/kafka/laboratorio#comprobar-el-broker');
    await expect(page.getByRole('heading', { level: 2, name: 'Comprobar el broker' })).toBeInViewport();
  });

  test('sin tildes también encuentra: «ejecucion» da una sección con «ejecución»', async ({ page }) => {
    await page.goto('/');
    await page.getByRole('combobox', { name: 'Buscar lecciones' }).fill('ejecucion');
    await expect(page.getByRole('listbox', { name: 'Resultados de búsqueda' }).getByRole('option').first()).toContainText(/ejecución/i);
  });

  test('Escape cierra los resultados y, otra vez, vacía la búsqueda; «/» vuelve al buscador', async ({ page }) => {
    await page.goto('/');
    const search = page.getByRole('combobox', { name: 'Buscar lecciones' });
    // The shortcut works once the page is interactive (hydrated): press until it does.
    await expect(async () => {
      await page.keyboard.press('/');
      await expect(search).toBeFocused({ timeout: 500 });
    }).toPass();
    await expect(search).toHaveValue('');
    await page.keyboard.type('airflow');
    const results = page.getByRole('listbox', { name: 'Resultados de búsqueda' });
    await expect(results).toBeVisible();
    await search.press('ArrowDown');
    await search.press('Escape');
    await expect(results).toBeHidden();
    await expect(search).toHaveAttribute('aria-expanded', 'false');
    await expect(search).not.toHaveAttribute('aria-activedescendant');
    await expect(search).toHaveValue('airflow');
    await search.press('Escape');
    await expect(search).toHaveValue('');
  });

  test('en el editor de un ejemplo, «/» se escribe en el código y no salta al buscador', async ({ page }) => {
    await page.goto('/cursos/kafka/productor');
    const runnable = await openRunnable(page, 'Productor de mensajes');
    await runnable.locator('.monaco-editor').first().click();
    await page.keyboard.press('ControlOrMeta+Home');
    await page.keyboard.type('// barra en el código\n');
    await expect(runnable.locator('.view-lines').first()).toContainText('// barra en el código');
    await expect(page.getByRole('combobox', { name: 'Buscar lecciones' })).not.toBeFocused();
    await expect(page.getByRole('combobox', { name: 'Buscar lecciones' })).toHaveValue('');
  });

  test('con los resultados abiertos, axe no encuentra violaciones graves', async ({ page }) => {
    await page.goto('/cursos/kafka/conceptos');
    const search = page.getByRole('combobox', { name: 'Buscar lecciones' });
    await search.fill('consumidor');
    await expect(page.getByRole('option').first()).toBeVisible();
    await search.press('ArrowDown');
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('la página 404 tiene título en español y lleva a los cursos', async ({ page }) => {
    const response = await page.goto('/no-existe/de-ninguna-manera');
    expect(response?.status()).toBe(404);
    await expect(page).toHaveTitle('Página no encontrada · Cauce');
    await expect(page.getByRole('link', { name: course('hadoop').meta.title })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('el índice de la lección marca la sección que se está leyendo al desplazarse', async ({ page }) => {
    const lesson = course('kafka').lessons.find((l) => l.slug === 'conceptos')!;
    const [first, , third] = lesson.headings;
    await page.setViewportSize({ width: 1280, height: 800 }); // wide enough for the side contents
    await page.goto(lesson.href);
    const toc = page.getByRole('navigation', { name: 'En esta lección' });
    await page.locator(`[id="${third!.id}"]`).evaluate((heading) => heading.scrollIntoView());
    await expect(toc.getByRole('link', { name: third!.text, exact: true })).toHaveAttribute('aria-current', 'location');
    await expect(toc.locator('a[aria-current]')).toHaveCount(1);
    await page.locator(`[id="${first!.id}"]`).evaluate((heading) => heading.scrollIntoView());
    await expect(toc.getByRole('link', { name: first!.text, exact: true })).toHaveAttribute('aria-current', 'location');
    await expect(toc.getByRole('link', { name: third!.text, exact: true })).not.toHaveAttribute('aria-current');
  });

  test('la portada dice qué lecciones tienen laboratorio y de qué', async ({ page }) => {
    await page.goto('/');
    const item = (courseSlug: string, slug: string) =>
      page
        .getByRole('article', { name: course(courseSlug).meta.title })
        .getByRole('listitem')
        .filter({ hasText: lessonTitle(courseSlug, slug) });
    await expect(item('kafka', 'productor')).toContainText('▶ con laboratorio: Kafka');
    await expect(item('airflow', 'definicion-workflow')).toContainText('▶ con laboratorio: Airflow');
    await expect(item('kafka', 'conceptos')).not.toContainText('con laboratorio');
    // Its example (PySpark) runs on the lab's Spark server.
    await expect(item('kafka', 'spark-streaming')).toContainText('▶ con laboratorio: Spark');
    // Its prerequisite checks run (shell); the Ambari lesson has nothing to run.
    await expect(item('hadoop', 'preparacion')).toContainText('▶ con laboratorio: terminal');
    await expect(item('hadoop', 'instalacion-ambari')).not.toContainText('con laboratorio');
    expect(await seriousViolations(page)).toEqual([]);
  });
});

test.describe('ejecuciones de lo que no existe', () => {
  test('pedir la ejecución de un ejemplo inventado da un 404 con el motivo en español', async ({ page, baseURL }) => {
    await page.goto('/cursos/kafka/productor');
    const refused = await page.request.post('/api/runs', {
      headers: { origin: baseURL! },
      data: { lesson: 'kafka/productor', snippet: 'kafka/productor/inventado', kind: 'kafka-ts', files: [{ name: 'p.ts', content: "console.log('hola')\n" }] },
      failOnStatusCode: false,
    });
    expect(refused.status()).toBe(404);
    expect(await refused.json()).toEqual({ ok: false, message: expect.stringMatching(/^Ese ejemplo no existe en la lección.*Recarga la página/) });
    const noLesson = await page.request.post('/api/runs', {
      headers: { origin: baseURL! },
      data: { lesson: 'kafka/inventada', snippet: 'kafka/inventada/x', kind: 'kafka-ts', files: [{ name: 'p.ts', content: '1\n' }] },
      failOnStatusCode: false,
    });
    expect(noLesson.status()).toBe(404);
    expect(((await noLesson.json()) as { message: string }).message).toContain('La lección «kafka/inventada» no existe');
  });
});

test.describe('el texto de las lecciones y el laboratorio', () => {
  test('cada curso muestra solo los servicios que usa: Hadoop solo Hadoop, Kafka solo Kafka, Airflow solo Airflow', async ({ page }) => {
    const badge = (name: string) => page.getByRole('status').filter({ hasText: new RegExp(`^${name}:`) });
    await page.goto('/cursos/kafka/productor');
    await expect(badge('Kafka')).toBeVisible();
    await expect(badge('Airflow')).toHaveCount(0);
    await page.goto('/cursos/airflow/definicion-workflow');
    await expect(badge('Airflow')).toBeVisible();
    await expect(badge('Kafka')).toHaveCount(0);
    await page.goto('/cursos/hadoop/preparacion');
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    // The Ambari lesson's cluster summary reads Hadoop: the course's badge is Hadoop's alone.
    await expect(badge('Hadoop')).toBeVisible();
    await expect(badge('Kafka')).toHaveCount(0);
    await expect(badge('Airflow')).toHaveCount(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('las direcciones que el laboratorio no sirve (Jupyter, MinIO) son texto, no enlaces, y se dice qué hay en su lugar', async ({ page }) => {
    await page.goto('/cursos/kafka/laboratorio');
    await expect(page.locator('a[href*="localhost:8888"], a[href*="localhost:9001"]')).toHaveCount(0);
    await expect(page.getByText('En este laboratorio no necesitas Docker')).toBeVisible();
    await page.goto('/cursos/kafka/spark-streaming');
    await expect(page.locator('a[href*="localhost:8888"], a[href*="localhost:9001"]')).toHaveCount(0);
    await expect(page.getByText(/En este laboratorio no hay MinIO/).first()).toBeVisible();
  });

  test('estudiando solo, junto a «Abrir la interfaz de Airflow» se ve cómo entrar', async ({ page }) => {
    await page.goto('/cursos/airflow/definicion-workflow');
    const airflow = page.getByRole('status').filter({ hasText: /^Airflow:/ });
    await expect(airflow).toContainText('Airflow: disponible', { timeout: 30_000 });
    await expect(airflow.getByRole('link', { name: 'Abrir la interfaz de Airflow' })).toBeVisible();
    await expect(airflow.getByText('Para entrar: usuario admin')).toBeVisible();
    await expect(airflow).toContainText(`contraseña ${airflowAdminPassword()}`);
    expect(await seriousViolations(page)).toEqual([]);
  });
});

test.describe('en modo curso (CAUCE_MODE=course)', () => {
  let server: CourseServer;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    // The same lab's Airflow, with its admin credentials, as a class server would have them.
    server = await startCourseServer(undefined, {
      AIRFLOW_API_URL: `http://127.0.0.1:${process.env.CAUCE_AIRFLOW_PORT ?? 18080}`,
      CAUCE_AIRFLOW_MODE: 'external',
      AIRFLOW_USERNAME: 'admin',
      AIRFLOW_PASSWORD: airflowAdminPassword(),
    });
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('un alumno ve Airflow disponible y su enlace, pero nunca las credenciales de administración del laboratorio', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
    const page = await context.newPage();
    await page.goto('/cursos/airflow/definicion-workflow');
    const airflow = page.getByRole('status').filter({ hasText: /^Airflow:/ });
    await expect(airflow).toContainText('Airflow: disponible', { timeout: 30_000 });
    await expect(airflow.getByRole('link', { name: 'Abrir la interfaz de Airflow' })).toBeVisible();
    await expect(page.getByText('Para entrar')).toHaveCount(0);
    await expect(page.locator('body')).not.toContainText(airflowAdminPassword());
    const status = await (await context.request.get('/api/lab/status')).text();
    expect(status).not.toContain(airflowAdminPassword());
    expect(status).not.toContain('signIn');
    await context.close();
  });
});
