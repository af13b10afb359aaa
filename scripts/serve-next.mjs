/**
 * Serves the production build in this one process (no `next start` CLI, which forks a
 * `next-server` child that would outlive a killed launcher). The launcher spawns this with a
 * parent-death signal, so stopping or killing the launcher always stops the site.
 * Usage: node scripts/serve-next.mjs <port> [--host <address>]
 *
 * It listens on 127.0.0.1 unless told otherwise (--host, or CAUCE_HOST): serving other machines
 * is an explicit choice. Every request first passes the front door (lib/http/front-door.mjs).
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { announcement, frontDoor, guardRequest } from '../lib/http/front-door.mjs';

process.env.NODE_ENV ??= 'production'; // before Next loads: it reads NODE_ENV at import time
const { default: next } = await import('next');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Plain JavaScript that runs before any TypeScript loads: PORT and CAUCE_HOST are read raw, declared in lib/env.ts.
const port = Number(/^\d+$/.test(process.argv[2] ?? '') ? process.argv[2] : (process.env.PORT ?? 3000));
const hostArg = process.argv.indexOf('--host');
const door = frontDoor({ host: (hostArg > 0 ? process.argv[hostArg + 1] : undefined) || process.env.CAUCE_HOST || undefined, port });
// Next calls itself at this address (a server action forwarded to the page that owns it).
const app = next({ dev: false, dir: root, port, hostname: new URL(door.localUrl).hostname.replace(/^\[|\]$/g, '') });
await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((req, res) => {
  if (!guardRequest(door, req, res)) handle(req, res);
});
// Started by the launcher (scripts/site-server.ts), the server tells it over the IPC channel
// whether it listens: the launcher says "Cauce listo" only then, and words a failure itself,
// naming what needs the port and how to move it (lab/ports.ts). Started by hand, it says so here.
const onListenError = (error) => {
  if (process.send) process.send({ type: 'listen-error', code: error.code ?? error.message }, () => process.exit(1));
  else {
    console.error(`✖ El sitio no puede escuchar en ${door.host}:${port}: ${error.code === 'EADDRINUSE' ? 'el puerto ya está en uso' : error.message}.`);
    process.exit(1);
  }
};
server.once('error', onListenError);
server.listen(port, door.host, () => {
  server.off('error', onListenError);
  console.log(`▲ Next.js listo en ${door.localUrl}`);
  for (const line of announcement(door)) console.log(line);
  process.send?.({ type: 'listening' });
});

// Benchmarks (node --expose-gc) ask for a full GC before sampling memory: SIGUSR2.
if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc());

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections(); // SSE streams would otherwise keep the process alive
    process.exit(0);
  });
}
