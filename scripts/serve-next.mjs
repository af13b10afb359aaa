/**
 * Serves the production build in this one process (no `next start` CLI, which forks a
 * `next-server` child that would outlive a killed launcher). The launcher spawns this with a
 * parent-death signal, so stopping or killing the launcher always stops the site.
 * Usage: node scripts/serve-next.mjs <port>
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.NODE_ENV ??= 'production'; // before Next loads: it reads NODE_ENV at import time
const { default: next } = await import('next');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.argv[2] ?? process.env.PORT ?? 3000);
const app = next({ dev: false, dir: root, port, hostname: 'localhost' });
await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((req, res) => handle(req, res));
server.listen(port, () => console.log(`▲ Next.js listo en http://localhost:${port}`));

// Benchmarks (node --expose-gc) ask for a full GC before sampling memory: SIGUSR2.
if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc());

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections(); // SSE streams would otherwise keep the process alive
    process.exit(0);
  });
}
