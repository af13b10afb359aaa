import { createServer, type Server, type Socket } from 'node:net';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKafka, kafkaProblem } from './health';
import { freePortPair } from './test-helpers';

/** kafkajs's and Node's words, which must stay in `technical` and out of what a student reads. */
const ENGLISH = /connection|error|refused|timeout|closed|ECONN|ENOTFOUND|SASL|failed/i;

describe('checkKafka', () => {
  const sockets: Socket[] = [];
  let silent: Server | undefined;

  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent?.close();
  });

  it('dice "no disponible" en menos de 5 s cuando nadie escucha, y por qué en español', async () => {
    const port = await freePortPair();
    const startedAt = Date.now();
    const health = await checkKafka([`127.0.0.1:${port}`], 5_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(health.ok).toBe(false);
    expect(health.brokers).toBe(0);
    expect(health.error).toBe(`Kafka no acepta conexiones en 127.0.0.1:${port} (¿está arrancando o detenido?)`);
    expect(health.error).not.toMatch(ENGLISH);
    expect(health.technical).toMatch(/ECONNREFUSED/);
  });

  it('no se queda colgado con un servidor que acepta la conexión y nunca responde', async () => {
    const port = await freePortPair();
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent?.listen(port, '127.0.0.1', resolve));
    const startedAt = Date.now();
    const health = await checkKafka([`127.0.0.1:${port}`], 1_500);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/^Kafka en 127\.0\.0\.1:\d+ no respondió en 1,5 s/);
    expect(health.error).not.toMatch(ENGLISH);
  });

  it('sin brokers configurados responde no disponible sin lanzar', async () => {
    await expect(checkKafka([], 1_000)).resolves.toMatchObject({ ok: false });
  });
});

describe('el motivo en español de una comprobación de Kafka que falló', () => {
  const timeouts = { timeoutMs: 1_500, connectionTimeout: 1_000 };
  /** What kafkajs throws with `retries: 0`: its wrapper around the last attempt's error. */
  const thrown = (cause: Error) => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 0, retryTime: 0 });

  it('Kafka rechaza la contraseña del sitio: lo dice así, con las palabras de kafkajs aparte', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: Authentication failed during authentication due to invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const problem = kafkaProblem(thrown(sasl), ['127.0.0.1:9092'], timeouts);
    expect(problem.error).toBe('Kafka en 127.0.0.1:9092 rechazó las credenciales del sitio');
    expect(problem.technical).toMatch(/invalid credentials/);
  });

  it('un nombre de broker que no existe: pide revisar la dirección', () => {
    const notFound = new KafkaJSConnectionError('Connection error: getaddrinfo ENOTFOUND kafka.invalid', { broker: 'kafka.invalid:9092', code: 'ENOTFOUND' });
    const problem = kafkaProblem(thrown(notFound), ['kafka.invalid:9092'], timeouts);
    expect(problem.error).toBe('No se encuentra el servidor de Kafka «kafka.invalid:9092»: revisa la dirección de los brokers');
  });

  it('un error que no se reconoce: una frase genérica en español, nunca el mensaje en inglés', () => {
    const problem = kafkaProblem(new Error('Something odd happened'), ['a:1', 'b:2'], timeouts);
    expect(problem.error).toBe('Kafka en a:1, b:2 no responde como se esperaba');
    expect(problem.technical).toBe('Something odd happened');
  });
});
