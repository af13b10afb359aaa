import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/** The Runnable section with the given title, scrolled into view with Monaco mounted. */
export async function openRunnable(page: Page, title: string): Promise<Locator> {
  await showLanguageOf(page, title);
  // Exact: «Productor de mensajes» must not also match «Productor de mensajes en Python», the
  // other tab's example, which is the one shown until the page hydrates and picks the student's tab.
  const runnable = page.getByRole('region', { name: `Ejemplo ejecutable: ${title}`, exact: true });
  await runnable.scrollIntoViewIfNeeded();
  // Monaco loads its workers on first view: slow on a busy 2-core machine with several tabs open.
  await expect(runnable.locator('.monaco-editor').first()).toBeVisible({ timeout: 30_000 });
  return runnable;
}

/**
 * An example inside language tabs (components/mdx/language-tabs) whose tab is not the one shown:
 * its tab is chosen first, as a student would click it. Nothing to do for any other example.
 */
export async function showLanguageOf(page: Page, title: string): Promise<void> {
  const panel = page.locator('[role="tabpanel"]', { has: page.locator(`section[aria-label="Ejemplo ejecutable: ${title}"]`) });
  if ((await panel.count()) === 0 || (await panel.isVisible())) return;
  const tab = page.locator(`[role="tab"][aria-controls="${await panel.getAttribute('id')}"]`);
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/** Replaces the whole content of the runnable's (first) editor by pasting, as a student would. */
export async function replaceCode(page: Page, runnable: Locator, code: string) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((text) => navigator.clipboard.writeText(text), code);
  await runnable.locator('.monaco-editor').first().click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
  await expect(runnable.locator('.view-lines').first()).toContainText(code.split('\n')[0]!.slice(0, 20));
}

/** The text of the runnable's output log. */
export function outputLog(runnable: Locator): Locator {
  return runnable.getByLabel('Salida del programa');
}

export function runStatus(runnable: Locator): Locator {
  return runnable.getByRole('region', { name: 'Salida de la ejecución' }).getByRole('status');
}

/**
 * The code an editor shows, row by row from the top. Monaco reuses its row elements, so their
 * order in the DOM is not the order on screen (and a wrapped line spans several rows).
 */
export function shownCode(editor: Locator): Promise<string> {
  return editor.locator('.view-lines').evaluate((lines) =>
    [...lines.querySelectorAll<HTMLElement>('.view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((row) => row.textContent ?? '')
      .join('\n'),
  );
}
