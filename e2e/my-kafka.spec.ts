import type { Locator, Page } from '@playwright/test';
import { seriousViolations } from './axe';
import { createCourse, joinCourse, serverActionId, startCourseServer } from './course-server';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';
import { expect, test } from './fixtures';
import { lessonCode } from './lesson-code';

const PRODUCER = '/cursos/kafka/productor';
const CONSUMER = '/cursos/kafka/consumidor';

test.describe.configure({ mode: 'serial' });

const producerCode = lessonCode('productor', 'producer.ts');

/** The card (an article) of a topic or group by its full name. */
const card = (page: Page, name: string): Locator => page.getByRole('article', { name, exact: true });

/** The panel's own alert (Monaco and Next's route announcer have theirs too). */
const panelAlert = (page: Page): Locator => page.locator('.my-kafka').getByRole('alert');

/** The cells of partition `partition`'s row in a card's table, as text. */
async function row(card: Locator, partition: number): Promise<string[]> {
  const rows = card.getByRole('row').filter({ has: card.page().getByRole('rowheader', { name: String(partition), exact: true }) });
  return rows.first().getByRole('cell').allInnerTexts();
}

test('el alumno produce y consume, y Mi Kafka muestra su tema, su grupo con retraso 0, el reinicio y el borrado', async ({ page, context, externalRequests }) => {
  test.setTimeout(240_000);
  const word = `MiKafka${Date.now().toString(36)}`;
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, producerCode.replace('Hola Kafka', `${word} Kafka`));
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(producer)).toContainText(/Terminado/, { timeout: 45_000 });

  await page.goto(CONSUMER);
  const consumer = await openRunnable(page, 'Consumidor de mensajes');
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(outputLog(consumer)).toContainText(`${word} Kafka 4`, { timeout: 45_000 });

  // While the consumer runs, Mi Kafka (in a second tab, from the lesson's link) shows it in its group and refuses a reset.
  const panel = await context.newPage();
  await panel.goto(CONSUMER);
  await panel.getByRole('link', { name: 'Mi Kafka: tus temas y grupos' }).click();
  await expect(panel.getByRole('heading', { level: 1, name: 'Mi Kafka' })).toBeVisible();
  await expect(panel.getByText('solo aparecen los temas y grupos que empiezan por')).toContainText('alumno.');
  const group = card(panel, 'alumno.cauce-lectores');
  await expect(group).toContainText('activo', { timeout: 15_000 });
  await expect(group).toContainText('Consumidores conectados: cauce-consumidor');
  await group.getByRole('button', { name: 'Reiniciar offsets' }).click();
  await expect(panelAlert(panel)).toContainText(
    'El grupo «alumno.cauce-lectores» tiene consumidores activos, y Kafka solo mueve los offsets de un grupo vacío. Detén primero el consumidor',
  );

  await page.bringToFront();
  await consumer.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(consumer)).toContainText('Detenido', { timeout: 15_000 });

  // The topic: its partition with start and end offsets and the last messages, keys and values.
  await panel.bringToFront();
  const topic = card(panel, 'alumno.mensajes');
  await expect(topic).toContainText('1 partición');
  const [start, end, last] = await row(topic, 0);
  const messages = Number(end) - Number(start);
  expect(messages).toBeGreaterThanOrEqual(5);
  expect(last).toContain(`offset ${Number(end) - 1}`);
  expect(last).toContain(`"texto":"${word} Kafka 4"`);
  expect(last).toContain('clave=sensor-0');

  // The group, refreshed on its own once the consumer left: empty, everything read, lag 0, drawn so.
  await expect(group).toContainText('vacío: sin consumidores activos', { timeout: 15_000 });
  await expect(group).toContainText('Ningún consumidor conectado.');
  expect(await row(group, 0)).toEqual(['alumno.mensajes', end, end, '0', '-', '']);
  await expect(group.getByRole('img', { name: `leídos ${end} de ${end}; retraso 0` })).toBeVisible();

  // Reset to earliest: the lag is every message again, in the table and in the picture.
  await group.getByLabel('Mover el offset').selectOption('earliest');
  await group.getByRole('button', { name: 'Reiniciar offsets' }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'Los offsets' })).toHaveText(
    'Los offsets del grupo «alumno.cauce-lectores» en «alumno.mensajes» están ahora al principio.',
  );
  await expect(panelAlert(panel)).toHaveText('');
  expect(await row(group, 0)).toEqual(['alumno.mensajes', start, end, String(messages), '-', '']);
  await expect(group.getByRole('img', { name: `leídos ${start} de ${end}; retraso ${messages}` })).toBeVisible();
  await expect(group).toContainText(`retraso total ${messages}`);

  // To a given offset: the lag is what remains from it.
  await group.getByLabel('Mover el offset').selectOption('offset');
  await group.getByLabel('Offset', { exact: true }).fill(String(Number(end) - 2));
  await group.getByRole('button', { name: 'Reiniciar offsets' }).click();
  await expect(group).toContainText('retraso total 2');

  // axe, with data on the page, in both themes.
  for (const theme of ['light', 'dark'] as const) {
    await panel.emulateMedia({ colorScheme: theme });
    await panel.reload();
    await expect(card(panel, 'alumno.mensajes')).toBeVisible();
    expect(await seriousViolations(panel), theme).toEqual([]);
  }

  // The consumer reads again what the reset gave back: the last two messages.
  await page.bringToFront();
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(outputLog(consumer)).toContainText(`offset ${Number(end) - 2}`, { timeout: 45_000 });
  await expect(outputLog(consumer)).toContainText(`${word} Kafka 4`);
  await consumer.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(consumer)).toContainText('Detenido', { timeout: 15_000 });

  // Delete the topic (asked twice): it disappears from the panel.
  await panel.bringToFront();
  await topic.getByRole('button', { name: 'Borrar tema alumno.mensajes' }).click();
  await expect(topic).toContainText('no se puede deshacer');
  await topic.getByRole('button', { name: 'Sí, borrar «alumno.mensajes»' }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'Borraste' })).toHaveText('Borraste el tema «alumno.mensajes».');
  await expect(card(panel, 'alumno.mensajes')).toHaveCount(0, { timeout: 15_000 });
  expect(externalRequests).toEqual([]);
});

test('en modo curso cada alumno ve solo lo suyo, y el servidor rechaza nombres ajenos aunque se los pidan', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = await startCourseServer();
  try {
    const code = await createCourse(browser, server, 'Kafka, Mi Kafka');
    const ana = await joinCourse(browser, server, code, 'Ana Mi');
    const bruno = await joinCourse(browser, server, code, 'Bruno Mi');
    // Bruno produces; Ana's panel never shows his topic.
    await bruno.goto(PRODUCER);
    const producer = await openRunnable(bruno, 'Productor de mensajes');
    await producer.getByRole('button', { name: 'Ejecutar' }).click();
    await expect(runStatus(producer)).toContainText(/Terminado/, { timeout: 45_000 });
    await bruno.goto('/mi-kafka');
    const prefix = (await bruno.getByText('solo aparecen los temas y grupos que empiezan por').locator('code').innerText()).trim();
    expect(prefix).toMatch(/^[a-z0-9_]+\.$/);
    await expect(card(bruno, `${prefix}mensajes`)).toBeVisible();

    await ana.goto('/mi-kafka');
    await expect(ana.getByText('Todavía no tienes temas.')).toBeVisible();
    await expect(ana.getByText('Todavía no tienes grupos.')).toBeVisible();
    await expect(ana.getByText(prefix)).toHaveCount(0);

    // A forged call of the delete action with Bruno's topic, from Ana's session: refused by name, the topic stays.
    const response = await ana.request.post(`${server.baseURL}/mi-kafka`, {
      headers: {
        'next-action': serverActionId('app/mi-kafka/actions.ts', 'deleteTopic'),
        origin: server.baseURL,
        'content-type': 'text/plain;charset=UTF-8',
        accept: 'text/x-component',
      },
      data: JSON.stringify([{ topic: `${prefix}mensajes` }]),
    });
    expect(await response.text()).toContain('Ese nombre no es de tu espacio');
    await bruno.reload();
    await expect(card(bruno, `${prefix}mensajes`)).toBeVisible();

    // Signed out: no Kafka at all, a Spanish invitation to join.
    const anonymous = await (await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' })).newPage();
    await anonymous.goto('/mi-kafka');
    await expect(panelAlert(anonymous)).toContainText('Para ver tu Kafka, únete primero al curso');
  } finally {
    await server.stop();
  }
});
