import { expect, test } from './fixtures';
import { lessonCode } from './lesson-code';
import { openRunnable, outputLog, replaceCode, runStatus, shownCode } from './editor';

const PRODUCER = '/cursos/kafka/productor';
const CONSUMER = '/cursos/kafka/consumidor';

test.describe.configure({ mode: 'serial' });

const producerCode = lessonCode('productor', 'producer.py');

test('el alumno ve el productor en Python primero, lo ejecuta y sus mensajes aparecen en el dibujo del tema; el consumidor en Python los lee', async ({
  page,
  externalRequests,
}) => {
  const word = `Pyhola${Date.now().toString(36)}`;
  await page.goto(PRODUCER);
  await expect(page.getByRole('status').filter({ hasText: 'Kafka:' })).toContainText('disponible');
  // The article's language first; kafkajs one click away.
  const languages = page.getByRole('tablist', { name: 'Lenguaje del ejemplo' }).first();
  await expect(languages.getByRole('tab', { name: 'Python' })).toHaveAttribute('aria-selected', 'true');
  await expect(languages.getByRole('tab', { name: 'TypeScript' })).toHaveAttribute('aria-selected', 'false');
  await expect(page.getByRole('region', { name: 'Ejemplo ejecutable: Productor de mensajes', exact: true })).toBeHidden();

  const producer = await openRunnable(page, 'Productor de mensajes en Python');
  await replaceCode(page, producer, producerCode.replace('Hola Kafka', `${word} Kafka`));
  await expect.poll(() => shownCode(producer)).toContain(word);
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(producer)).toContainText(/Terminado/, { timeout: 45_000 });
  await expect(outputLog(producer)).toContainText(/enviado sensor-0 -> partición 0, offset \d+/);
  // The same picture as kafka-ts runs: one lane for mensajes/0 with this run's five boxes.
  const picture = producer.getByRole('figure', { name: /Particiones y offsets/ });
  await expect(picture).toContainText('mensajes');
  await expect(picture.getByRole('listitem')).toHaveCount(5);

  await page.goto(CONSUMER);
  const consumer = await openRunnable(page, 'Consumidor de mensajes en Python');
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  for (let i = 0; i < 5; i++) await expect(outputLog(consumer)).toContainText(`${word} Kafka ${i}`, { timeout: 45_000 });
  await expect(consumer.getByRole('figure', { name: /Particiones y offsets/ })).toContainText('mensajes');
  await consumer.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(consumer)).toContainText('Detenido', { timeout: 15_000 });
  await expect(consumer.getByRole('button', { name: 'Ejecutar' })).toBeVisible();
  expect(externalRequests).toEqual([]);
});

test('un error de sintaxis en Python se marca en su línea y no se ejecuta; elegir TypeScript lo recuerda la página', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes en Python');
  await replaceCode(page, producer, 'import os\nprint("hola"\n');
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(producer.getByRole('alert')).toContainText(/error de sintaxis en producer\.py, línea 2: El «\(» nunca se cierra/);
  await expect(producer.locator('.squiggly-error').first()).toBeVisible();

  await page.getByRole('tab', { name: 'TypeScript' }).first().click();
  await expect(page.getByRole('region', { name: 'Ejemplo ejecutable: Productor de mensajes', exact: true })).toBeVisible();
  await page.goto(CONSUMER);
  await expect(page.getByRole('tab', { name: 'TypeScript' }).first()).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('region', { name: 'Ejemplo ejecutable: Consumidor de mensajes', exact: true })).toBeVisible();
});
