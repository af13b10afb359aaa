/**
 * Bodies are limited while they stream: a huge POST is refused at its limit, without being
 * read (let alone parsed) whole, on a real HTTP server that hands the body to a Request the
 * way Next does for a route handler.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBodyBytes, readJsonBody } from './body';
import { CODE_BODY_LIMIT, SESSION_BODY_LIMIT } from './limits.mjs';

const CHUNK = 64 * 1024;

/** A body of `total` bytes made on demand, counting what the reader pulled. */
function countedBody(total: number) {
  const pulled = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled.bytes >= total) return controller.close();
        pulled.bytes += CHUNK;
        controller.enqueue(new Uint8Array(CHUNK));
      },
    },
    { highWaterMark: 0 }, // nothing is made before it is asked for
  );
  return { stream, pulled };
}

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('http://localhost:3000/api/runs', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('readBodyBytes', () => {
  it('un Content-Length por encima del límite se rechaza sin leer un byte', async () => {
    const { stream, pulled } = countedBody(400 * 1024 * 1024);
    const error = await readBodyBytes(post(stream, { 'content-length': String(400 * 1024 * 1024) }), CODE_BODY_LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).bytesRead).toBe(0);
    expect(pulled.bytes).toBe(0);
  });

  it('un cuerpo de 50 MB sin longitud se corta en el límite: como mucho límite + un trozo leído', async () => {
    const { stream, pulled } = countedBody(50 * 1024 * 1024);
    const error = await readBodyBytes(post(stream), CODE_BODY_LIMIT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).message).toBe('La petición es demasiado grande (máximo 96 KB).');
    expect(pulled.bytes).toBeLessThanOrEqual(CODE_BODY_LIMIT + CHUNK);
  });

  it('un cuerpo dentro del límite llega entero', async () => {
    const text = 'x'.repeat(CODE_BODY_LIMIT);
    expect((await readBodyBytes(post(text), CODE_BODY_LIMIT)).byteLength).toBe(CODE_BODY_LIMIT);
  });
});

describe('readJsonBody', () => {
  it('JSON válido: su valor; JSON roto: 400 en español; demasiado grande: 413 que cierra la conexión', async () => {
    expect(await readJsonBody(post('{"codigo":"ABC"}'), SESSION_BODY_LIMIT)).toEqual({ ok: true, value: { codigo: 'ABC' } });
    const broken = await readJsonBody(post('{"codigo":'), SESSION_BODY_LIMIT);
    expect(broken.ok || (await broken.response.json())).toEqual({ ok: false, message: 'El cuerpo de la petición no es JSON válido.' });
    const big = await readJsonBody(post(JSON.stringify({ nombre: 'n'.repeat(SESSION_BODY_LIMIT) })), SESSION_BODY_LIMIT);
    if (big.ok) throw new Error('debía rechazarse');
    expect(big.response.status).toBe(413);
    expect(big.response.headers.get('connection')).toBe('close');
    expect(await big.response.json()).toEqual({ ok: false, message: 'La petición es demasiado grande (máximo 4 KB).' });
  });
});

describe('en un servidor HTTP real', () => {
  let server: http.Server;
  let port: number;
  const served: { socketBytes: number; status: number }[] = [];

  beforeAll(async () => {
    // The request as Next builds it for a route handler: the IncomingMessage as the body stream.
    server = http.createServer(async (req, res) => {
      const request = new Request(`http://localhost${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req,
        duplex: 'half',
      } as unknown as RequestInit);
      const body = await readJsonBody(request, CODE_BODY_LIMIT);
      const response = body.ok ? Response.json({ ok: true }) : body.response;
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(await response.text());
      res.on('finish', () => served.push({ socketBytes: req.socket.bytesRead, status: response.status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('un envío de 50 MB a trozos recibe 413 y el servidor lee poco más del límite', async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/runs', headers: { 'content-type': 'application/json' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', (error: NodeJS.ErrnoException) => (['ECONNRESET', 'EPIPE'].includes(error.code ?? '') ? undefined : reject(error)));
      const chunk = Buffer.alloc(CHUNK, 0x20);
      const pump = () => {
        while (written < total && !request.destroyed) {
          written += chunk.byteLength;
          if (!request.write(chunk)) return void request.once('drain', pump); // backpressure: wait for the server
        }
        request.end();
      };
      pump();
    });
    expect(status).toBe(413);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The whole request as it crossed the socket (headers, chunk framing, what the kernel had
    // already accepted): far from the 50 MB sent, so nothing like it was held in memory.
    expect(served.at(-1)?.status).toBe(413);
    expect(served.at(-1)!.socketBytes).toBeLessThan(CODE_BODY_LIMIT + 1024 * 1024);
    expect(written).toBeLessThan(total);
  });

  it('un cuerpo normal pasa', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/api/runs`, { method: 'POST', body: JSON.stringify({ files: [] }) });
    expect(await response.json()).toEqual({ ok: true });
  });
});
