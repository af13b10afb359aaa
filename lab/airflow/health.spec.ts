import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAirflow } from './health';

/** fetch's and Node's words, which must stay in `technical` and out of what a student reads. */
const ENGLISH = /fetch|failed|aborted|timeout|refused|ECONN|error/i;

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('checkAirflow dice en español por qué Airflow no está disponible', () => {
  const servers: { close(): unknown }[] = [];
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) server.close();
  });

  it('nadie escucha en el puerto: "no acepta conexiones", con la causa de Node aparte', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const health = await checkAirflow(`http://127.0.0.1:${port}`, 1_500);
    expect(health.ok).toBe(false);
    expect(health.error).toBe(`Airflow no acepta conexiones en http://127.0.0.1:${port} (¿está arrancando o detenido?)`);
    expect(health.error).not.toMatch(ENGLISH);
    expect(health.technical).toMatch(/ECONNREFUSED/);
  });

  it('un servidor que acepta la conexión y nunca responde: "no respondió en 1,5 s"', async () => {
    const silent = createServer((socket) => sockets.push(socket));
    servers.push(silent);
    const port = await listen(silent);
    const startedAt = Date.now();
    const health = await checkAirflow(`http://127.0.0.1:${port}`, 1_500);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    expect(health.error).toBe(`Airflow en http://127.0.0.1:${port} no respondió en 1,5 s (¿está arrancando o muy ocupado?)`);
    expect(health.technical).toMatch(/timeout/i);
  });

  it('Airflow arrancando: nombra en español los componentes que faltan', async () => {
    const starting = createHttpServer((_request, response) => response.end(JSON.stringify({ metadatabase: { status: 'healthy' }, scheduler: { status: 'unhealthy' } })));
    servers.push(starting);
    const port = await listen(starting);
    const health = await checkAirflow(`http://127.0.0.1:${port}`, 1_500);
    expect(health.ok).toBe(false);
    expect(health.components).toMatchObject({ metadatabase: 'healthy', scheduler: 'unhealthy' });
    expect(health.error).toBe('Airflow aún no está listo: scheduler con problemas, dag-processor sin estado (¿arrancando?), triggerer sin estado (¿arrancando?)');
    expect(health.error).not.toMatch(/unhealthy/);
  });

  it('otro programa en ese puerto, que no habla HTTP: no es Airflow', async () => {
    const other = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    servers.push(other);
    const port = await listen(other);
    const health = await checkAirflow(`http://127.0.0.1:${port}`, 1_500);
    expect(health.error).toBe(`Lo que responde en http://127.0.0.1:${port} no es Airflow (¿es la dirección de su api-server?)`);
  });
});
