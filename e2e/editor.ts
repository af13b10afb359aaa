import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/** The Runnable section with the given title, scrolled into view with Monaco mounted. */
export async function openRunnable(page: Page, title: string): Promise<Locator> {
  const runnable = page.getByRole('region', { name: `Ejemplo ejecutable: ${title}` });
  await runnable.scrollIntoViewIfNeeded();
  await expect(runnable.locator('.monaco-editor').first()).toBeVisible();
  return runnable;
}

/** Replaces the whole content of the runnable's (first) editor, as a paste would. */
export async function replaceCode(page: Page, runnable: Locator, code: string) {
  await runnable.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(code);
}

/** The text of the runnable's output log. */
export function outputLog(runnable: Locator): Locator {
  return runnable.getByLabel('Salida del programa');
}

export function runStatus(runnable: Locator): Locator {
  return runnable.getByRole('region', { name: 'Salida de la ejecución' }).getByRole('status');
}
