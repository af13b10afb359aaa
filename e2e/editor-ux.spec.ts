import type { Locator, Page } from '@playwright/test';
import { seriousViolations } from './axe';
import { openRunnable, runStatus } from './editor';
import { expect, test } from './fixtures';

const PLUGIN = '/cursos/airflow/definicion-plugin';
const PLUGIN_EXAMPLE = 'Operador TarGz y DAG que lo usa';
const PRODUCER = '/cursos/kafka/productor';
const PRODUCER_EXAMPLE = 'Productor de mensajes';

/**
 * What the student sees of one editor's lines: how many rows Monaco draws, how many of them
 * start a line of the file (a wrapped line draws a row without a number), and how far the
 * widest row's text reaches past the editor's visible right edge (positive: hidden past it).
 */
async function linesOnScreen(panel: Locator) {
  return panel.locator('.monaco-editor').evaluate((editor) => {
    const visible = editor.querySelector('.monaco-scrollable-element.editor-scrollable')!.getBoundingClientRect();
    const rows = [...editor.querySelectorAll<HTMLElement>('.view-line')];
    const numbered = [...editor.querySelectorAll('.line-numbers')].filter((n) => n.textContent?.trim()).length;
    const overflow = Math.max(...rows.map((row) => (row.firstElementChild as HTMLElement | null)?.getBoundingClientRect().right ?? 0)) - visible.right;
    return { rows: rows.length, numbered, overflow };
  });
}

function editorText(panel: Locator): Locator {
  return panel.locator('.view-lines');
}

async function typeAtTop(page: Page, panel: Locator, text: string) {
  await panel.locator('.monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+Home');
  await page.keyboard.type(text);
  await expect(editorText(panel)).toContainText(text.trim());
}

test.describe('editores que caben y ayudan', () => {
  test('a 1280 px los dos archivos del plugin son pestañas y cada línea se lee entera, sin desplazarse de lado', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(PLUGIN);
    const runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    const tabs = runnable.getByRole('tablist', { name: `Archivos del ejemplo: ${PLUGIN_EXAMPLE}` }).getByRole('tab');
    await expect(tabs).toHaveText(['tar_gz_operator.py', 'backup_dag.py']);
    await expect(tabs.first()).toHaveAttribute('aria-selected', 'true');

    for (const name of ['tar_gz_operator.py', 'backup_dag.py']) {
      await runnable.getByRole('tab', { name }).click();
      const panel = runnable.getByRole('tabpanel', { name });
      await expect(panel.locator('.monaco-editor')).toBeVisible();
      // The other file's panel is hidden, not squeezed beside this one.
      await expect(runnable.getByRole('tabpanel')).toHaveCount(1);
      const box = (await panel.boundingBox())!;
      expect(box.width, 'the editor is wider than the 50rem text column').toBeGreaterThan(850);
      const lines = await linesOnScreen(panel);
      expect(lines.overflow, `${name}: no text hidden past the right edge`).toBeLessThanOrEqual(0);
      expect(lines.numbered, `${name}: every line on one row, none wrapped at 1280 px`).toBe(lines.rows);
      // The whole file is on screen: the editor grew with it (both files are under 60 lines).
      const last = await panel.locator('.line-numbers').evaluateAll((numbers) => Math.max(...numbers.map((n) => Number(n.textContent))));
      expect(last).toBeGreaterThan(28);
    }
  });

  test('en una ventana estrecha una línea larga se parte en vez de esconderse', async ({ page }) => {
    await page.setViewportSize({ width: 700, height: 900 });
    await page.goto(PLUGIN);
    const runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    const panel = runnable.getByRole('tabpanel', { name: 'tar_gz_operator.py' });
    const lines = await linesOnScreen(panel);
    expect(lines.overflow).toBeLessThanOrEqual(0);
    expect(lines.rows).toBeGreaterThan(lines.numbered);
  });

  test('las flechas cambian de archivo y Tab entra en el editor de la pestaña elegida', async ({ page }) => {
    await page.goto(PLUGIN);
    const runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    const first = runnable.getByRole('tab', { name: 'tar_gz_operator.py' });
    await first.focus();
    await page.keyboard.press('ArrowRight');
    const second = runnable.getByRole('tab', { name: 'backup_dag.py' });
    await expect(second).toBeFocused();
    await expect(second).toHaveAttribute('aria-selected', 'true');
    await expect(runnable.getByRole('tabpanel', { name: 'backup_dag.py' })).toContainText('dag_id="test_plugin"');
    await page.keyboard.press('Tab');
    await expect(runnable.getByRole('tabpanel', { name: 'backup_dag.py' }).locator('.monaco-editor')).toHaveClass(/focused/);
  });

  test('un error en el archivo de la otra pestaña la trae delante, marcada', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(PLUGIN);
    const runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    // The operator's last line returns a str plus an int: a TypeError when the task runs.
    await runnable.getByRole('tabpanel', { name: 'tar_gz_operator.py' }).locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.type(' + 1');
    await expect(editorText(runnable.getByRole('tabpanel', { name: 'tar_gz_operator.py' }))).toContainText('return _output_file + 1');

    await runnable.getByRole('tab', { name: 'backup_dag.py' }).click();
    await runnable.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(runStatus(runnable)).toContainText(/error/i, { timeout: 90_000 });
    const operatorTab = runnable.getByRole('tab', { name: 'tar_gz_operator.py (con errores)' });
    await expect(operatorTab).toHaveAttribute('aria-selected', 'true');
    await expect(
      runnable
        .getByRole('tabpanel', { name: /tar_gz_operator\.py/ })
        .locator('.squiggly-error')
        .first(),
    ).toBeVisible();
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
  });

  test('Escape y luego Mayús+Tab sacan el foco del editor hacia atrás', async ({ page }) => {
    await page.goto(PLUGIN);
    const runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    await runnable.getByRole('tabpanel', { name: 'tar_gz_operator.py' }).locator('.monaco-editor').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    await expect(runnable.getByRole('tab', { name: 'tar_gz_operator.py' })).toBeFocused();

    // A single-file example: back to whatever the student could focus before it.
    await page.goto(PRODUCER);
    const producer = await openRunnable(page, PRODUCER_EXAMPLE);
    await producer.locator('.monaco-editor').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    const focused = await page.evaluate(() => {
      const active = document.activeElement;
      const editor = document.querySelector('.runnable .monaco-editor')!;
      return {
        inEditor: !!active && editor.contains(active),
        before: !!active && !!(active.compareDocumentPosition(editor) & Node.DOCUMENT_POSITION_FOLLOWING),
        tag: active?.tagName,
      };
    });
    expect(focused).toEqual({ inEditor: false, before: true, tag: expect.stringMatching(/^(A|BUTTON|SUMMARY|INPUT)$/) });
  });

  test('Restablecer se puede deshacer: Ctrl+Z o «Deshacer» devuelven el código del alumno, y lo guardado lo sigue', async ({ page }) => {
    await page.goto(PLUGIN);
    let runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    await runnable.getByRole('tab', { name: 'backup_dag.py' }).click();
    let dag = runnable.getByRole('tabpanel', { name: 'backup_dag.py' });
    await typeAtTop(page, dag, '# mi cambio\n');
    const reset = runnable.getByRole('button', { name: 'Restablecer' });

    await reset.click();
    await expect(runnable.getByRole('status').filter({ hasText: 'Código restablecido' })).toBeVisible();
    await expect(editorText(dag)).not.toContainText('mi cambio');
    await expect(reset).toBeDisabled();
    // The button the student pressed went disabled: the focus waits on Deshacer instead.
    await expect(runnable.getByRole('button', { name: 'Deshacer' })).toBeFocused();

    // Ctrl+Z in the editor takes the reset back; the notice goes, the edit is kept again.
    await dag.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+Z');
    await expect(editorText(dag)).toContainText('mi cambio');
    await expect(runnable.getByRole('button', { name: 'Deshacer' })).toHaveCount(0);
    await expect(reset).toBeEnabled();
    await page.reload();
    runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    await runnable.getByRole('tab', { name: 'backup_dag.py' }).click();
    dag = runnable.getByRole('tabpanel', { name: 'backup_dag.py' });
    await expect(editorText(dag)).toContainText('mi cambio');

    // The notice's own Deshacer does the same, and gives the focus back to Restablecer.
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
    await expect(editorText(dag)).not.toContainText('mi cambio');
    await runnable.getByRole('button', { name: 'Deshacer' }).click();
    await expect(editorText(dag)).toContainText('mi cambio');
    await expect(runnable.getByRole('button', { name: 'Restablecer' })).toBeFocused();

    // Reset for good: after a reload the lesson's code is back.
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
    await expect(editorText(dag)).not.toContainText('mi cambio');
    await page.reload();
    runnable = await openRunnable(page, PLUGIN_EXAMPLE);
    await runnable.getByRole('tab', { name: 'backup_dag.py' }).click();
    await expect(editorText(runnable.getByRole('tabpanel', { name: 'backup_dag.py' }))).toContainText('dag_id="test_plugin"');
    await expect(editorText(runnable.getByRole('tabpanel', { name: 'backup_dag.py' }))).not.toContainText('mi cambio');
    await expect(runnable.getByRole('button', { name: 'Restablecer' })).toBeDisabled();
  });

  test('Monaco habla español: la búsqueda y el aviso de un error', async ({ page, externalRequests }) => {
    await page.goto(PRODUCER);
    const runnable = await openRunnable(page, PRODUCER_EXAMPLE);
    await runnable.locator('.monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+F');
    await expect(runnable.getByRole('textbox', { name: 'Buscar' })).toBeVisible();
    await expect(runnable.getByRole('checkbox', { name: /Coincidir mayúsculas y minúsculas/ })).toBeVisible();
    await page.keyboard.press('Escape');

    // A type error from TypeScript's worker: Monaco's problem widget (F8, from the keyboard: the
    // hover needs the pointer or a chord whose timing the machine's load decides) speaks Spanish.
    // The line goes in as one edit: typed key by key on a loaded machine, the worker can flag a
    // half-typed line («Expression expected») first, which is not the error this test reads.
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.press('Enter');
    await page.keyboard.insertText('const veces: number = "tres";');
    await expect(runnable.locator('.squiggly-error').last()).toBeVisible({ timeout: 30_000 });
    const problem = runnable.locator('.zone-widget');
    await expect(async () => {
      await page.keyboard.press('F8');
      await expect(problem).toContainText(/1 de 1 problema/, { timeout: 3_000 });
      await expect(problem).toContainText("'string'", { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(problem).not.toContainText(/of 1 problem/);
    await page.keyboard.press('Escape');
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
    expect(externalRequests).toEqual([]);
  });

  for (const [path, title] of [
    [PLUGIN, PLUGIN_EXAMPLE],
    [PRODUCER, PRODUCER_EXAMPLE],
  ] as const) {
    for (const theme of ['light', 'dark'] as const) {
      test(`axe sin violaciones graves en ${path} con las pestañas y el aviso de Restablecer (tema ${theme})`, async ({ page }) => {
        await page.emulateMedia({ colorScheme: theme });
        await page.goto(path);
        const runnable = await openRunnable(page, title);
        await typeAtTop(page, runnable.locator('.editor-frame').first(), '# x\n');
        await runnable.getByRole('button', { name: 'Restablecer' }).click();
        await expect(runnable.getByRole('button', { name: 'Deshacer' })).toBeVisible();
        await page.waitForLoadState('networkidle');
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  }
});
