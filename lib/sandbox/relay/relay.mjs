/**
 * Loaded (`node --import`) before a run's own code, inside its empty network namespace: for
 * each endpoint the run may reach, listen on the endpoint's own address on the namespace's
 * loopback and forward each connection to the host's relay socket (see lib/sandbox/network.ts).
 * The program then connects to 127.0.0.1:9092 as usual. Nothing here is a boundary: the
 * namespace is. Tampering with this only breaks the tamperer's own connections.
 */
import net from 'node:net';

// Inside the sandbox, before the run's own code: CAUCE_RELAYS is what the sandbox builder set for this
// process (lib/sandbox/command.ts), not the site's configuration, so it is not in lib/env.ts.
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

/**
 * Advertised non-loopback IPs (an external cluster's `10.0.0.5:9092`) cannot exist in the
 * namespace: their relays listen on a loopback alias, and connections to the real address are
 * pointed there before they leave the process (kafkajs and `net` both come through here).
 */
function redirectAliases() {
  const alias = new Map(routes.filter((r) => r.aliasOf).map((r) => [`${r.aliasOf}:${r.port}`, r.listenHost]));
  if (alias.size === 0) return;
  const connect = net.Socket.prototype.connect;
  const aliased = (options) => {
    const to = options && typeof options === 'object' ? alias.get(`${options.host}:${options.port}`) : undefined;
    return to ? { ...options, host: to } : options;
  };
  net.Socket.prototype.connect = function (...args) {
    // net.connect() passes its normalized arguments as one array ([options, callback]).
    if (Array.isArray(args[0])) args[0][0] = aliased(args[0][0]);
    else if (typeof args[0] === 'object') args[0] = aliased(args[0]);
    else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
      const to = alias.get(`${args[1]}:${args[0]}`);
      if (to) args[1] = to;
    }
    return connect.apply(this, args);
  };
}

redirectAliases();
await Promise.all(routes.map(relay));
