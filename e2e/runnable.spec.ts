import { openRunnable, shownCode } from './editor';
import { expect, test } from './fixtures';

const PRODUCER = '/cursos/kafka/productor';

test.describe('editor de un ejemplo ejecutable', () => {
  test('Monaco se carga al ver el ejemplo; escribir lo cambia y Restablecer lo devuelve', async ({ page, externalRequests }) => {
    await page.goto(PRODUCER);
    const runnable = await openRunnable(page, 'Productor de mensajes');
    const editor = runnable.locator('.monaco-editor').first();
    await expect(editor).toBeVisible();
    await expect(runnable.getByLabel('Lenguaje: TypeScript')).toBeVisible();

    const lines = runnable.locator('.view-lines').first();
    const original = await shownCode(editor);
    await editor.click();
    await page.keyboard.press('ControlOrMeta+Home');
    await page.keyboard.type('// cambio del alumno\n');
    await expect(lines).toContainText('cambio del alumno');

    // The edit survives a reload (kept in this browser) until the student resets it.
    await page.reload();
    await openRunnable(page, 'Productor de mensajes');
    await expect(runnable.locator('.view-lines').first()).toContainText('cambio del alumno');

    await runnable.getByRole('button', { name: 'Restablecer' }).click();
    await expect(runnable.locator('.view-lines').first()).not.toContainText('cambio del alumno');
    expect(normalise(await shownCode(runnable.locator('.monaco-editor').first()))).toBe(normalise(original));
    await expect(runnable.getByRole('button', { name: 'Restablecer' })).toBeDisabled();
    expect(externalRequests).toEqual([]);
  });

  test('kafkajs autocompleta en el editor de TypeScript', async ({ page }) => {
    await page.goto(PRODUCER);
    const runnable = await openRunnable(page, 'Productor de mensajes');
    const editor = runnable.locator('.monaco-editor').first();
    await expect(editor).toBeVisible();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.type('\nkafka.');
    const suggestions = page.locator('.suggest-widget');
    await expect(suggestions).toBeVisible({ timeout: 20_000 });
    for (const name of ['admin', 'consumer', 'producer']) {
      await expect(suggestions.getByText(name, { exact: true })).toBeVisible();
    }
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
  });

  test('Escape y luego Tab sacan el foco del editor hacia sus botones', async ({ page }) => {
    await page.goto(PRODUCER);
    const runnable = await openRunnable(page, 'Productor de mensajes');
    await runnable.locator('.monaco-editor').first().click();
    await page.keyboard.type('x');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect(runnable.getByRole('button', { name: 'Restablecer' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(runnable.getByRole('button', { name: 'Ejecutar' })).toBeFocused();
    await runnable.getByRole('button', { name: 'Restablecer' }).click();
  });
});

function normalise(text: string) {
  return text.replace(/\s+/g, ' ').trim();
}
