import { loadCourses } from '../lib/content/load';
import { expect, test } from './fixtures';

const [kafka] = loadCourses();
const firstLesson = kafka!.lessons[0]!;

test('una dirección desconocida muestra un 404 en español con camino de vuelta', async ({ page }) => {
  const response = await page.goto('/cursos/kafka/no-existe');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Página no encontrada');
  await page.getByRole('link', { name: 'Volver a los cursos' }).click();
  await expect(page).toHaveURL('/');
});

test('la búsqueda encuentra lecciones aunque se escriba sin tildes', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Buscar lecciones' }).fill('instalacion ambari');
  const results = page.getByRole('listbox', { name: 'Resultados de búsqueda' });
  await expect(results.getByRole('option').first()).toContainText(/Ambari/i);
  await results.getByRole('option').first().click();
  await expect(page).toHaveURL(/\/cursos\/hadoop\//);
});

test('la búsqueda dice cuando no hay resultados', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Buscar lecciones' }).fill('zzzxqy');
  await expect(page.getByText('Sin resultados para «zzzxqy».')).toBeVisible();
});

test('marcar una lección como completada se ve en el índice y se conserva', async ({ page }) => {
  await page.goto(firstLesson.href);
  await page.getByRole('button', { name: 'Marcar como completada' }).click();
  await expect(page.getByRole('button', { name: '✓ Lección completada' })).toHaveAttribute('aria-pressed', 'true');
  await page.goto('/');
  const item = page.getByRole('article', { name: kafka!.meta.title }).getByRole('listitem').filter({ hasText: firstLesson.frontmatter.title });
  await expect(item.getByText('Completada')).toBeAttached();
  await page.goto(firstLesson.href);
  await page.getByRole('button', { name: '✓ Lección completada' }).click();
  await expect(page.getByRole('button', { name: 'Marcar como completada' })).toBeVisible();
});

test('el tema oscuro se activa y se recuerda', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await page.getByRole('button', { name: 'Cambiar a tema oscuro' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Cambiar a tema claro' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('a 375 px de ancho la lección se lee sin desplazamiento horizontal', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  for (const course of loadCourses()) {
    await page.goto(course.lessons[0]!.href);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, course.slug).toBeLessThanOrEqual(0);
  }
});

test('la barra de progreso de lectura avanza al bajar', async ({ page }) => {
  await page.goto(kafka!.lessons[1]!.href);
  const bar = page.getByRole('progressbar', { name: 'Progreso de lectura' });
  await expect(bar).toHaveAttribute('aria-valuenow', '0');
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(bar).toHaveAttribute('aria-valuenow', '100');
});
