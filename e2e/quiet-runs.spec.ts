import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';

const PRODUCER = '/cursos/kafka/productor';
const CONSUMER = '/cursos/kafka/consumidor';

test.describe.configure({ mode: 'serial' });

async function runAndWait(runnable: Locator, label: RegExp, timeout = 60_000) {
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText(label, { timeout });
}

/** What a student would read as an error: red (stderr) lines, kafkajs's raw JSON logs, marker text. */
async function expectNoErrorLines(runnable: Locator) {
  await expect(outputLog(runnable).locator('.line-stderr')).toHaveCount(0);
  const text = await outputLog(runnable).innerText();
  expect(text).not.toMatch(/"level":|ERROR|group is rebalancing|coordinator is not available/);
  expect(text).not.toContain('cauce:record');
}

test('el alumno vuelve a ejecutar el productor de la lección y no ve ningún error, solo que el tema ya existía', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await runAndWait(producer, /Terminado/);
  await runAndWait(producer, /Terminado/); // the topic exists now, whatever ran before
  await expect(outputLog(producer)).toContainText('ya existía');
  await expect(outputLog(producer)).toContainText(/enviado sensor-0 -> partición 0, offset \d+/);
  await expectNoErrorLines(producer);
  await expect(runStatus(producer)).not.toContainText('error');
});

test('los dos consumidores de un grupo se reparten las particiones sin líneas rojas de reequilibrio', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(CONSUMER);
  const group = await openRunnable(page, 'Dos consumidores en un grupo');
  await runAndWait(group, /Terminado/, 90_000);
  await expect(outputLog(group)).toContainText(/consumidor A: particiones \[/);
  await expect(outputLog(group)).toContainText(/pedido de ana \(pan\) -> partición \d/);
  await expectNoErrorLines(group);
});

// kafkajs's README producer, CommonJS as published: only the broker address (and the lab's topic prefix) changed.
const KAFKAJS_README = `const { Kafka } = require('kafkajs')

const kafka = new Kafka({
  clientId: 'my-app',
  brokers: (process.env.KAFKA_BROKERS || '').split(','),
})
const topic = (process.env.KAFKA_TOPIC_PREFIX || '') + 'test-topic'

const producer = kafka.producer()

const run = async () => {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic }] })
  await admin.disconnect()

  // Producing
  await producer.connect()
  await producer.send({
    topic,
    messages: [{ value: 'Hello KafkaJS user!' }],
  })
  console.log('sent to', topic)
  await producer.disconnect()
}

run().catch(console.error)
`;

test('un ejemplo CommonJS de la documentación de kafkajs se ejecuta tal cual', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, KAFKAJS_README);
  await runAndWait(producer, /Terminado/);
  await expect(outputLog(producer)).toContainText(/sent to \S*test-topic/);
  await expect(producer.getByRole('figure', { name: /Particiones y offsets/ })).toContainText('test-topic');
  await expect(outputLog(producer)).not.toContainText('require is not defined');
  await expectNoErrorLines(producer);
  // The editor agrees: kafkajs's types for require('kafkajs'), no red squiggle (its checker ran during the run).
  await expect(producer.locator('.squiggly-error')).toHaveCount(0);
  await producer.getByRole('button', { name: 'Restablecer' }).click();
});

const MANY = 30_000;
const BULK_PRODUCER = `import { Kafka } from 'kafkajs'
const kafka = new Kafka({ clientId: 'masivo', brokers: process.env.KAFKA_BROKERS!.split(',') })
const topic = (process.env.KAFKA_TOPIC_PREFIX ?? '') + 'masivo'
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
await admin.disconnect()
const producer = kafka.producer()
await producer.connect()
for (let lote = 0; lote < ${MANY / 1000}; lote++) {
  const messages = Array.from({ length: 1000 }, (_, i) => ({ value: 'mensaje ' + (lote * 1000 + i) }))
  await producer.send({ topic, messages })
}
console.log('enviados ${MANY}')
await producer.disconnect()
`;

test('un productor de 30.000 mensajes termina bien y el dibujo resume los que no caben, sin texto de marcas', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, BULK_PRODUCER);
  await runAndWait(producer, /Terminado/, 90_000);
  await expect(runStatus(producer)).not.toContainText('Salida truncada');
  await expect(outputLog(producer)).toContainText(`enviados ${MANY}`);
  const picture = producer.getByRole('figure', { name: /Particiones y offsets/ });
  await expect(picture).toContainText('Esta ejecución movió 30.000 mensajes: se dibujan los primeros 10.000');
  await expect(picture).toContainText(/masivo · partición 0 · 30\.000 mensajes producidos/);
  await expect(picture).toContainText(/y 20\.000 mensajes más… \(hasta el offset \d+\)/);
  await expect(producer.getByText(/La salida superó/)).toHaveCount(0);
  await expect(producer.getByText(/cauce:record/)).toHaveCount(0);
  await expectNoErrorLines(producer);
  await producer.getByRole('button', { name: 'Restablecer' }).click();
});

test('una excepción dice qué pasó y en qué línea, y un error de sintaxis no repite el punto', async ({ page }) => {
  await page.goto(PRODUCER);
  const producer = await openRunnable(page, 'Productor de mensajes');
  await replaceCode(page, producer, "const pedido: any = undefined\nconsole.log('antes')\nconsole.log(pedido.cliente)\n");
  await runAndWait(producer, /Terminado con error/);
  const ending = producer.locator('.output-exit-message');
  await expect(ending).toContainText(
    "Tu programa se detuvo por una excepción en producer.ts, línea 3 (marcada en el editor): TypeError: Cannot read properties of undefined (reading 'cliente').",
  );
  await expect(ending).not.toContainText('código de salida');
  await expect(producer.locator('.squiggly-error').first()).toBeVisible();

  await replaceCode(page, producer, "console.log('antes')\nconst = 5\n");
  await producer.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(producer.getByRole('alert')).toContainText(/línea 2: .*\. No se ejecutó\./);
  await expect(producer.getByRole('alert')).not.toContainText('..');
  await producer.getByRole('button', { name: 'Restablecer' }).click();
});
