/**
 * The HTTP relay's hooks (lib/sandbox/network.ts): a request rewritten before it is forwarded
 * (headers added), refused with a reason, and a redirect's Location rewritten or refused. Host
 * side only: the relay's Unix socket is called as the sandbox's in-namespace listener would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkRelays, RELAY_DIR, type HttpRelayFilter } from '../network';

let upstream: http.Server;
let endpoint: string;
let root: string;
const relays = () => new NetworkRelays(root);

function call(socketPath: string, url: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: url, method, headers: { host: endpoint, 'x-cauce-run': 'falso' } }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject).end();
  });
}

describe('el relé HTTP: reescribir la petición y las redirecciones', () => {
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cauce-http-relay-'));
    upstream = http.createServer((request, response) => {
      if (request.url?.startsWith('/redirect')) response.writeHead(307, { location: request.url.includes('far') ? 'http://10.9.9.9:1/x' : `http://${endpoint}/ok` }).end();
      else if (request.url?.startsWith('/created')) response.writeHead(201, { location: 'hdfs://127.0.0.1:9871/x' }).end();
      else response.writeHead(200).end(JSON.stringify({ url: request.url, run: request.headers['x-cauce-run'] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    endpoint = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    upstream.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reenvía la petición reescrita con las cabeceras del relé, y rechaza con su motivo', async () => {
    const filter: HttpRelayFilter = {
      key: 'prueba',
      rewrite: (method, url, to) => {
        expect(to).toBe(endpoint);
        if (url.searchParams.has('doas')) return { refused: 'el parámetro doas no se permite desde el sandbox' };
        const next = new URL(url);
        next.searchParams.set('user.name', 'ana');
        return { url: next, headers: { 'x-cauce-run': 'token' } };
      },
      location: (location) => (location.startsWith(`http://${endpoint}/`) ? location : undefined),
    };
    const network = await relays().forSlot(1, [endpoint], filter);
    const socket = path.join(network.relayDir!, path.posix.relative(RELAY_DIR, network.routes[0]!.socket));
    const ok = await call(socket, '/a?user.name=root');
    expect(JSON.parse(ok.body)).toEqual({ url: '/a?user.name=ana', run: 'token' });
    const refused = await call(socket, '/a?doas=root');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).RemoteException).toMatchObject({ exception: 'SandboxRefused', message: 'el parámetro doas no se permite desde el sandbox' });
    expect((await call(socket, '/redirect')).headers.location).toBe(`http://${endpoint}/ok`);
    expect((await call(socket, '/redirect-far')).status).toBe(502);
    // A 201's Location (WebHDFS CREATE's hdfs:// URI) is information, not a redirect: passed on.
    expect(await call(socket, '/created', 'PUT')).toMatchObject({ status: 201, headers: { location: 'hdfs://127.0.0.1:9871/x' } });
  });
});
