/**
 * The front door on a real HTTP server (ephemeral ports), with a stand-in for Next behind it:
 * what reaches Next, and what is answered before it.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { announcement, CLIENT_HEADER, frontDoor, guardRequest, type FrontDoor } from './front-door.mjs';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with full control of its headers (fetch would not let us forge Host). */
function send(port: number, options: { address?: string; method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: options.address ?? '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: { host: `localhost:${port}`, ...options.headers } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A server whose "Next" answers 200 "next" and counts what reached it. */
async function serve(makeDoor: (port: number) => FrontDoor, address = '127.0.0.1', port = 0) {
  const reached: string[] = [];
  /** Who Next was told is asking, per request that reached it. */
  const clients: string[] = [];
  const server = http.createServer((req, res) => {
    if (guardRequest(door, req, res)) return;
    reached.push(`${req.method} ${req.url}`);
    clients.push(String(req.headers[CLIENT_HEADER]));
    req.resume();
    req.on('end', () => res.end('next'));
  });
  await new Promise<void>((resolve) => server.listen(port, address, resolve));
  const actualPort = (server.address() as AddressInfo).port;
  // Nothing awaits between listen() and here, so the handler above never runs before this line.
  const door = makeDoor(actualPort);
  return { server, port: actualPort, reached, clients };
}

const close = (server: http.Server) => new Promise((resolve) => server.close(resolve));

describe('la puerta de entrada en esta máquina (127.0.0.1)', () => {
  let site: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    site = await serve((port) => frontDoor({ port, env: { CAUCE_ALLOWED_HOSTS: 'aula.example.org, proxy.example:8443' } }));
  });
  afterAll(() => close(site.server));
  beforeEach(() => {
    site.reached.length = 0;
    site.clients.length = 0;
  });

  it('quien pregunta es la dirección del socket: un X-Forwarded-For o un x-cauce-client inventados no cuentan', async () => {
    await send(site.port, { path: '/', headers: { 'x-forwarded-for': '203.0.113.9', [CLIENT_HEADER]: '198.51.100.1' } });
    expect(site.clients).toEqual(['127.0.0.1']);
  });

  it('con CAUCE_TRUST_PROXY=1 (un proxy delante) cuenta el primer X-Forwarded-For', async () => {
    const proxied = await serve((port) => frontDoor({ port, env: { CAUCE_TRUST_PROXY: '1' } }));
    try {
      await send(proxied.port, { path: '/', headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } });
      await send(proxied.port, { path: '/' });
      expect(proxied.clients).toEqual(['203.0.113.9', '127.0.0.1']);
    } finally {
      await close(proxied.server);
    }
  });

  it('por defecto escucha solo en loopback y no necesita código de acceso', () => {
    const door = frontDoor({ port: 3000, env: {} });
    expect(door.host).toBe('127.0.0.1');
    expect(door.accessToken).toBeNull();
    expect(announcement(door)).toEqual([]);
  });

  it('una página con DNS rebinding (Host evil.example) no llega a Next', async () => {
    for (const host of ['evil.example', `evil.example:${site.port}`, `localhost.evil.example:${site.port}`, `localhost:${site.port + 1}`]) {
      const answer = await send(site.port, { headers: { host } });
      expect(answer.status, host).toBe(421);
      expect(answer.body).toContain('Cauce no atiende peticiones dirigidas a');
    }
    const forwarded = await send(site.port, { headers: { 'x-forwarded-host': 'evil.example' } });
    expect(forwarded.status).toBe(421);
    expect(site.reached).toEqual([]);
  });

  it('localhost, 127.0.0.1 y [::1] (con el puerto o sin él) y CAUCE_ALLOWED_HOSTS sí llegan', async () => {
    const hosts = [
      `localhost:${site.port}`,
      'localhost',
      `127.0.0.1:${site.port}`,
      `[::1]:${site.port}`,
      'aula.example.org',
      `aula.example.org:${site.port}`,
      'proxy.example:8443',
    ];
    for (const host of hosts) expect((await send(site.port, { headers: { host } })).status, host).toBe(200);
    // An entry with a port allows only that port; a bare one, none or the site's.
    for (const host of ['proxy.example', 'proxy.example:9999', 'aula.example.org:9999']) expect((await send(site.port, { headers: { host } })).status, host).toBe(421);
  });

  it('la respuesta de /api/ es JSON; la de una página, HTML que no repite el Host sin escapar', async () => {
    const api = await send(site.port, { path: '/api/runs', headers: { host: 'evil.example' } });
    expect(api.headers['content-type']).toContain('application/json');
    expect((JSON.parse(api.body) as { ok: boolean }).ok).toBe(false);
    const page = await send(site.port, { headers: { host: '<b>x' } });
    expect(page.body).toContain('&#60;b&#62;x');
  });

  it('un POST sin Origin, con Origin ajeno o «null» se rechaza con 403; con el del sitio pasa', async () => {
    const post = (headers: Record<string, string>) =>
      send(site.port, { method: 'POST', path: '/api/runs', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    const missing = await post({});
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body)).toEqual({ ok: false, message: 'Petición rechazada: no indica desde qué página se envía (falta la cabecera Origin).' });
    expect((await post({ origin: 'https://malvado.example' })).status).toBe(403);
    expect((await post({ origin: `http://localhost:${site.port + 1}` })).status).toBe(403);
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect(site.reached).toEqual([]);
    expect((await post({ origin: `http://localhost:${site.port}` })).status).toBe(200);
    expect(site.reached).toEqual(['POST /api/runs']);
  });

  it('una server action (POST con Next-Action) sin Origin también se rechaza; un GET no lo necesita', async () => {
    const action = await send(site.port, { method: 'POST', path: '/', headers: { 'next-action': 'abc123', 'content-type': 'text/plain;charset=UTF-8' }, body: '[]' });
    expect(action.status).toBe(403);
    expect(action.headers['content-type']).toContain('text/html');
    expect((await send(site.port, { path: '/cursos' })).status).toBe(200);
    expect(site.reached).toEqual(['GET /cursos']);
  });

  it('un cuerpo anunciado de 400 MB recibe 413 antes de que nadie lo lea', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: site.port,
          method: 'POST',
          path: '/',
          headers: { host: `localhost:${site.port}`, origin: `http://localhost:${site.port}`, 'content-length': String(400 * 1024 * 1024) },
        },
        (response) => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' });
          response.resume();
          request.destroy(); // the other 399.9 MB are never sent
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
      request.write(Buffer.alloc(64 * 1024));
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(site.reached).toEqual([]);
  });
});

const lanAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i?.family === 'IPv4' && !i.internal)?.address;

describe('abierto a otras máquinas (--host 0.0.0.0) en modo individual', () => {
  let loopback: Awaited<ReturnType<typeof serve>>;
  let lan: Awaited<ReturnType<typeof serve>>;
  let door: FrontDoor;
  beforeAll(async () => {
    // Not skipped: without a second address these cases would silently stop guarding anything.
    if (!lanAddress) throw new Error('this machine has no non-loopback IPv4 address to play "another machine" from');
    // The same door on two sockets with one port: one reached from loopback, one from the LAN address.
    loopback = await serve((port) => (door = frontDoor({ host: '0.0.0.0', port, env: {} })));
    lan = await serve(() => door, lanAddress, loopback.port);
  });
  afterAll(async () => {
    await close(loopback.server);
    await close(lan.server);
  });

  it('se genera un código de acceso y se anuncia la dirección con él', () => {
    expect(door.accessToken).toMatch(/^[\w-]{24}$/);
    expect(announcement(door)).toContain(`Acceso desde otras máquinas: http://${lanAddress}:${loopback.port}/?acceso=${door.accessToken}`);
  });

  it('desde otra máquina sin el código: 401 en español; con ?acceso=: cookie httpOnly y fuera de la URL; luego basta la cookie', async () => {
    const host = { host: `${lanAddress}:${lan.port}` };
    const refused = await send(lan.port, { address: lanAddress, path: '/cursos', headers: host });
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('solo se abre desde otras máquinas con su enlace de acceso');
    expect((await send(lan.port, { address: lanAddress, path: '/?acceso=otro-codigo-cualquiera', headers: host })).status).toBe(401);
    expect(lan.reached).toEqual([]);

    const admitted = await send(lan.port, { address: lanAddress, path: `/cursos?acceso=${door.accessToken}&x=1`, headers: host });
    expect(admitted.status).toBe(303);
    expect(admitted.headers.location).toBe('/cursos?x=1');
    const cookie = admitted.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain('HttpOnly');
    const withCookie = await send(lan.port, { address: lanAddress, path: '/cursos', headers: { ...host, cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(lan.reached).toEqual(['GET /cursos']);
  });

  it('una petición malformada desde otra máquina recibe 401 y el servidor sigue en pie', async () => {
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(lan.port, lanAddress!, () => socket.end(`GET http://[roto HTTP/1.1\r\nHost: ${lanAddress}:${lan.port}\r\n\r\n`));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 401/);
    expect((await send(loopback.port, { path: '/' })).status).toBe(200);
  });

  it('desde esta misma máquina (loopback) no hace falta el código', async () => {
    expect((await send(loopback.port, { path: '/cursos' })).status).toBe(200);
  });

  it('en modo curso no hay código: cada alumno entra con el del curso', () => {
    const course = frontDoor({ host: '0.0.0.0', port: 3000, env: { CAUCE_MODE: 'course' } });
    expect(course.accessToken).toBeNull();
    expect(announcement(course)[0]).toBe(`Abierto a otras máquinas (modo curso): http://${lanAddress}:3000/`);
  });
});
