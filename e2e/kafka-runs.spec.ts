import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { lessonCode } from './lesson-code';
import { openRunnable, outputLog, replaceCode, runStatus, shownCode } from './editor';

const PRODUCER = '/cursos/kafka/productor';
const CONSUMER = '/cursos/kafka/consumidor';
const labDir = process.env.CAUCE_LAB_DIR ?? path.resolve(import.meta.dirname, '..', '.lab');

test.describe.configure({ mode: 'serial' });

const producerCode = lessonCode('productor', 'producer.ts');

/** Changes the producer's message text to a unique word, like a student editing the example. */
async function editProducerText(page: import('@playwright/test').Page, word: string) {
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, producerCode.replace('Hola Kafka', `${word} Kafka`));
  // One word: with word wrap the line may break right after it, and Monaco's rows are not in screen order in the DOM.
  await expect.poll(() => shownCode(producer)).toContain(word);
  return producer;
}

async function runAndWait(runnable: import('@playwright/test').Locator, label: RegExp, timeout = 45_000) {
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText(label, { timeout });
}

test('el alumno cambia el texto del productor, lo ejecuta y ve sus mensajes en el consumidor', async ({ page, externalRequests }) => {
  const word = `Saludo${Date.now().toString(36)}`;
  await page.goto(PRODUCER);
  await expect(page.getByRole('status').filter({ hasText: 'Kafka:' })).toContainText('disponible');
  const producer = await editProducerText(page, word);
  await runAndWait(producer, /Terminado/);
  await expect(outputLog(producer)).toContainText(/enviado sensor-0 -> partición 0, offset \d+/);
  // The picture of the topic: one lane for mensajes/0 with five boxes from this run.
  const picture = producer.getByRole('figure', { name: /Particiones y offsets/ });
  await expect(picture).toContainText('mensajes');
  await expect(picture.getByRole('listitem')).toHaveCount(5);

  await page.goto(CONSUMER);
  const consumer = await openRunnable(page, 'Consumidor de mensajes');
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(outputLog(consumer)).toContainText(`${word} Kafka 4`, { timeout: 45_000 });
  for (let i = 0; i < 5; i++) await expect(outputLog(consumer)).toContainText(`${word} Kafka ${i}`);
  await consumer.getByRole('button', { name: 'Detener' }).click();
  // Said at once (the button too), then the run's own end: the consumer left its group.
  await expect(consumer.getByRole('button', { name: 'Deteniendo…' }).or(consumer.getByRole('button', { name: 'Ejecutar' }))).toBeVisible();
  await expect(runStatus(consumer)).toContainText('Detenido', { timeout: 15_000 });
  await expect(consumer.getByRole('button', { name: 'Ejecutar' })).toBeVisible();
  expect(externalRequests).toEqual([]);
});

test('una recarga vuelve a la misma ejecución, con su salida una sola vez; al dejar la página termina sola', async ({ page }) => {
  test.setTimeout(180_000);
  // Fresh messages: the group's offsets are past everything the earlier tests produced.
  const word = `Recarga${Date.now().toString(36)}`;
  await page.goto(PRODUCER);
  await runAndWait(await editProducerText(page, word), /Terminado/);
  await page.goto(CONSUMER);
  let consumer = await openRunnable(page, 'Consumidor de mensajes');
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(outputLog(consumer)).toContainText(`${word} Kafka 4`, { timeout: 45_000 });
  await page.waitForTimeout(3_000); // every new message read: the output stops growing
  const lines = async () => (await outputLog(consumer).innerText()).split('\n').filter((line) => line.includes('Kafka'));
  const before = await lines();
  expect(before.filter((line) => line.includes(word))).toHaveLength(5);

  await page.reload();
  consumer = await openRunnable(page, 'Consumidor de mensajes');
  // The same run, still going: its Detener, and its output replayed once, in order.
  await expect(consumer.getByRole('button', { name: 'Detener' })).toBeVisible({ timeout: 15_000 });
  await expect.poll(async () => (await lines()).length, { timeout: 15_000 }).toBe(before.length);
  expect(await lines()).toEqual(before);
  const runId = await page.evaluate(() => Object.entries(sessionStorage).find(([key]) => key.startsWith('cauce:run:kafka/consumidor/'))?.[1]);
  expect(runId).toMatch(/^[0-9a-f-]{36}$/);

  // Leave the lesson: nobody follows the run, so the server stops it after its grace (15 s).
  await page.goto(PRODUCER);
  await page.waitForTimeout(20_000);
  const replay = await (await page.request.get(`/api/runs/${runId}/events`)).text();
  expect(replay).toContain('"reason":"abandoned"');
  expect(replay).toContain('ninguna página la seguía');
});

test('un error de sintaxis se marca en su línea y no se ejecuta nada', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, "console.log('antes')\nconst = 5\n");
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(producer.getByRole('alert')).toContainText(/error de sintaxis en producer\.ts, línea 2/);
  await expect(producer.locator('.squiggly-error').first()).toBeVisible();
  await expect(outputLog(producer)).toHaveCount(0); // nothing ran
  await producer.getByRole('button', { name: 'Restablecer' }).click();
});

test('una excepción en tiempo de ejecución señala la línea del alumno', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, "const a = 1\nconsole.log('uno')\nthrow new Error('fallo a propósito')\n");
  await runAndWait(producer, /Terminado con error/);
  await expect(outputLog(producer)).toContainText('fallo a propósito');
  await expect(outputLog(producer)).toContainText('producer.ts:3');
  await expect(outputLog(producer)).not.toContainText('/sandbox/');
  await expect(producer.locator('.squiggly-error').first()).toBeVisible();
  await producer.getByRole('button', { name: 'Restablecer' }).click();
});

test('una salida enorme se corta con un aviso y la página sigue respondiendo', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, "const line = 'x'.repeat(1000)\nfor (let i = 0; i < 50_000; i++) console.log(i, line)\n");
  await runAndWait(producer, /Salida truncada/);
  await expect(producer.getByText(/La salida superó 1 MB/).first()).toBeVisible();
  // Still responsive: the editor takes input and Restablecer works at once.
  await producer.getByRole('button', { name: 'Restablecer' }).click({ timeout: 2_000 });
  await expect(producer.locator('.view-lines')).toContainText('Hola Kafka');
});

/** Numbered messages, each awaited, for as long as the broker lives; few retries, so a dead broker ends it soon. */
const LONG_PRODUCER = `import { Kafka } from 'kafkajs'
const topic = (process.env.KAFKA_TOPIC_PREFIX ?? '') + 'numeros'
const kafka = new Kafka({ clientId: 'numerador', brokers: process.env.KAFKA_BROKERS!.split(','), retry: { retries: 2 } })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
await admin.disconnect()
const producer = kafka.producer()
await producer.connect()
for (let i = 0; i < 100000; i++) {
  await producer.send({ topic, acks: -1, messages: [{ value: String(i) }] })
  console.log('confirmado', i)
  await new Promise((resolve) => setTimeout(resolve, 50))
}
`;

test('el broker cae a mitad de la prueba: el estado lo dice, el supervisor lo recupera y no se pierde ningún mensaje confirmado', async ({ page }) => {
  test.setTimeout(180_000);
  const word = `Durable${Date.now().toString(36)}`;
  await page.goto(PRODUCER);
  const status = page.getByRole('status').filter({ hasText: 'Kafka:' });
  await expect(status).toContainText('disponible');
  const producer = await editProducerText(page, word);
  await runAndWait(producer, /Terminado/);
  await expect(producer.getByRole('figure', { name: /Particiones y offsets/ }).getByRole('listitem')).toHaveCount(5);

  // A producer that keeps sending, one message every 50 ms, when the broker dies under it the way a crash would.
  await replaceCode(page, producer, LONG_PRODUCER);
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(outputLog(producer)).toContainText('confirmado 10', { timeout: 30_000 });
  const pid = Number(fs.readFileSync(path.join(labDir, 'kafka', 'broker.pid'), 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  // The launcher's supervisor is bringing it back: the badge says so rather than "no disponible".
  await expect(status).toContainText('reiniciando…', { timeout: 20_000 });
  // The student reads what happened to their run, in Spanish; kafkajs's stack is folded away, still there.
  await expect(runStatus(producer)).toContainText('Laboratorio no disponible', { timeout: 60_000 });
  await expect(producer.getByText('Kafka se detuvo mientras tu programa se ejecutaba')).toBeVisible();
  await expect(outputLog(producer)).not.toContainText('KafkaJS');
  const technical = producer.getByText(/Ver el detalle técnico \(\d+ líneas? de la salida de errores\)/);
  await technical.click();
  await expect(producer.locator('.output-technical pre')).toContainText(/KafkaJS\w*Error|ECONNREFUSED|Connection/);
  await expect(status).not.toContainText(/reiniciando|no disponible/, { timeout: 90_000 });
  await expect(status).toContainText('disponible');

  await page.goto(CONSUMER);
  const consumer = await openRunnable(page, 'Consumidor de mensajes');
  await consumer.getByRole('button', { name: 'Ejecutar' }).click();
  for (let i = 0; i < 5; i++) await expect(outputLog(consumer)).toContainText(`${word} Kafka ${i}`, { timeout: 60_000 });
  await consumer.getByRole('button', { name: 'Detener' }).click();
  await expect(runStatus(consumer)).toContainText('Detenido', { timeout: 15_000 });
});
