import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import { lessonCode } from './lesson-code';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';

const WORKFLOW = '/cursos/airflow/definicion-workflow';
const PLUGIN = '/cursos/airflow/definicion-plugin';
const ECHOES = ['echo_0', 'echo_1', 'echo_2', 'echo_3', 'echo_4'];

test.describe.configure({ mode: 'serial' });

/** When each task ran, as the timeline under the graph shows it (ms since the run started). */
async function timeline(runnable: Locator): Promise<Map<string, { start: number; end: number }>> {
  const rows = await runnable
    .getByRole('figure', { name: 'Cronología de las tareas' })
    .locator('[data-timeline-task]')
    .evaluateAll((items) => items.map((li) => [li.getAttribute('data-timeline-task')!, Number(li.getAttribute('data-start')), Number(li.getAttribute('data-end'))] as const));
  return new Map(rows.map(([task, start, end]) => [task, { start, end }]));
}

test('test_print_values: los siete nodos se ponen verdes en orden de dependencias', async ({ page, externalRequests }) => {
  await page.goto(WORKFLOW);
  await expect(page.getByRole('status').filter({ hasText: 'Airflow:' })).toContainText('disponible', { timeout: 60_000 });
  const runnable = await openRunnable(page, 'Cinco tareas entre una primera y una final');
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  // The graph appears as soon as the DAG is parsed, before the tasks finish.
  const graph = runnable.getByRole('figure', { name: 'Grafo del DAG test_print_values' });
  await expect(graph).toBeVisible({ timeout: 30_000 });
  await expect(runStatus(runnable)).toContainText('Terminado', { timeout: 60_000 });

  const legend = graph.getByRole('list', { name: 'Estado de las tareas' });
  for (const task of ['PRIMERA_TAREA', ...ECHOES, 'TAREA_FINAL']) {
    await expect(legend.locator(`[data-task-id="${task}"]`)).toHaveAttribute('data-state', 'success');
  }
  // Dependency order, as the timeline shows it: the first task before every echo, and
  // TAREA_FINAL starting only after all five echoes finished.
  const times = await timeline(runnable);
  expect([...times.keys()].sort()).toEqual(['PRIMERA_TAREA', 'TAREA_FINAL', ...ECHOES].sort());
  const first = times.get('PRIMERA_TAREA')!;
  const final = times.get('TAREA_FINAL')!;
  for (const echo of ECHOES) {
    expect(times.get(echo)!.start).toBeGreaterThanOrEqual(first.end);
    expect(final.start).toBeGreaterThanOrEqual(times.get(echo)!.end);
  }
  await expect(outputLog(runnable)).toContainText('echo_4');
  expect(externalRequests).toEqual([]);
});

test('el operador TarGz produce el .tar.gz: su ruta como XCom y su contenido en la salida', async ({ page }) => {
  await page.goto(PLUGIN);
  const runnable = await openRunnable(page, 'Operador TarGz y DAG que lo usa');
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText('Terminado', { timeout: 60_000 });
  const xcoms = runnable.getByLabel('Valores XCom devueltos');
  await expect(xcoms).toContainText('targz');
  await expect(xcoms).toContainText(/\.tar\.gz/);
  await expect(outputLog(runnable)).toContainText('backup_dag.py');
});

test('si el operador lanza una excepción, la tarea se ve en rojo y el error apunta a su línea', async ({ page }) => {
  await page.goto(PLUGIN);
  const runnable = await openRunnable(page, 'Operador TarGz y DAG que lo usa');
  const operator = lessonCode('definicion-plugin', 'tar_gz_operator.py');
  const broken = operator.replace('    def execute(self, context):\n', '    def execute(self, context):\n        raise RuntimeError("fallo a propósito")\n');
  const line = broken.split('\n').findIndex((l) => l.includes('fallo a propósito')) + 1;
  await replaceCode(page, runnable, broken);
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText(/Terminado con error|error/i, { timeout: 60_000 });
  const legend = runnable.getByRole('list', { name: 'Estado de las tareas' });
  await expect(legend.locator('[data-task-id="targz"]')).toHaveAttribute('data-state', 'failed');
  await expect(legend.locator('[data-task-id="DOES_NOTHING"]')).toHaveAttribute('data-state', 'success');
  await expect(runnable.getByText('fallo a propósito').first()).toBeVisible();
  await expect(outputLog(runnable)).toContainText(new RegExp(`tar_gz_operator\\.py.*${line}`));
  await expect(runnable.locator('.squiggly-error').first()).toBeVisible();
  await runnable.getByRole('button', { name: 'Restablecer' }).click();
});

test('Enviar al scheduler: el DAG corre en el Airflow real y termina con éxito', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(WORKFLOW);
  const runnable = await openRunnable(page, 'Cinco tareas entre una primera y una final');
  await runnable.getByRole('button', { name: 'Enviar al scheduler' }).click();
  const panel = runnable.getByRole('region', { name: 'Ejecución en el scheduler de Airflow' });
  await expect(panel.getByRole('status')).toContainText('alumno__test_print_values', { timeout: 120_000 });
  await expect(panel.getByRole('link', { name: 'Ver esta ejecución en Airflow' })).toHaveAttribute('href', /\/dags\/alumno__test_print_values\/runs\//);
  await expect(panel.getByRole('status')).toContainText('éxito', { timeout: 150_000 });
  await expect(panel.getByRole('list', { name: 'Tareas en el scheduler' }).locator('[data-state="success"]')).toHaveCount(7);
});
