import { loadCourses } from '../lib/content/load';
import { seriousViolations } from './axe';
import { openRunnable } from './editor';
import { expect, test } from './fixtures';

const pages = ['/', ...loadCourses().map((course) => course.lessons.find((l) => l.body.includes('<Runnable'))?.href ?? course.lessons[0]!.href)];

for (const theme of ['light', 'dark'] as const) {
  for (const path of pages) {
    test(`axe sin violaciones graves ni críticas en ${path} (tema ${theme})`, async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(path);
      // Include the editor in the audit: bring every example into view so Monaco mounts (those of
      // a language tab not shown stay hidden, and out of the audit).
      for (const runnable of await page.locator('.runnable:visible').all()) await runnable.scrollIntoViewIfNeeded();
      await page.waitForLoadState('networkidle');
      expect(await seriousViolations(page)).toEqual([]);
    });
  }
}

test.describe('con la salida de una ejecución en pantalla', () => {
  test('axe sin violaciones graves tras ejecutar el productor (salida, particiones y offsets)', async ({ page }) => {
    await page.goto('/cursos/kafka/productor');
    // The article's language, the tab a student sees first.
    const runnable = await openRunnable(page, 'Productor de mensajes en Python');
    await runnable.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(runnable.getByRole('figure', { name: /Particiones y offsets/ })).toBeVisible({ timeout: 45_000 });
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('axe sin violaciones graves tras ejecutar un DAG (grafo y cronología)', async ({ page }) => {
    await page.goto('/cursos/airflow/definicion-workflow');
    const runnable = page.getByRole('region', { name: 'Ejemplo ejecutable: Cinco tareas entre una primera y una final' });
    await runnable.scrollIntoViewIfNeeded();
    await runnable.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(runnable.getByRole('figure', { name: 'Cronología de las tareas' })).toBeVisible({ timeout: 60_000 });
    expect(await seriousViolations(page)).toEqual([]);
  });
});
