/**
 * Loaded (`node --import`) before a run's own code, inside its empty network namespace: for
 * each endpoint the run may reach, listen on the endpoint's own address on the namespace's
 * loopback and forward each connection to the host's relay socket (see lib/sandbox/network.ts).
 * The program then connects to 127.0.0.1:9092 as usual. Nothing here is a boundary: the
 * namespace is. Tampering with this only breaks the tamperer's own connections.
 */
import net from 'node:net';

const routes = JSON.parse(process.env.CAUCE_RELAYS ?? '[]');
delete process.env.CAUCE_RELAYS;

function relay({ listenHost, port, socket }) {
  const server = net.createServer((client) => {
    client.unref(); // the program's own socket keeps it alive, not ours
    const upstream = net.connect({ path: socket });
    upstream.unref();
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  return new Promise((resolve) => {
    server.once('error', (error) => {
      process.stderr.write(`cauce-relay: ${listenHost}:${port}: ${error.message}\n`);
      resolve();
    });
    server.listen({ host: listenHost, port }, () => {
      server.unref();
      resolve();
    });
  });
}

await Promise.all(routes.map(relay));
