import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKafka } from './health';
import { freePortPair } from './test-helpers';

describe('checkKafka', () => {
  const sockets: Socket[] = [];
  let silent: Server | undefined;

  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent?.close();
  });

  it('dice "no disponible" en menos de 5 s cuando nadie escucha', async () => {
    const port = await freePortPair();
    const startedAt = Date.now();
    const health = await checkKafka([`127.0.0.1:${port}`], 5_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(health.ok).toBe(false);
    expect(health.brokers).toBe(0);
    expect(health.error).toMatch(/Kafka no responde/);
  });

  it('no se queda colgado con un servidor que acepta la conexión y nunca responde', async () => {
    const port = await freePortPair();
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent?.listen(port, '127.0.0.1', resolve));
    const startedAt = Date.now();
    const health = await checkKafka([`127.0.0.1:${port}`], 1_500);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    expect(health.ok).toBe(false);
  });

  it('sin brokers configurados responde no disponible sin lanzar', async () => {
    await expect(checkKafka([], 1_000)).resolves.toMatchObject({ ok: false });
  });
});
