import { statSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

/**
 * Deny-by-default networking. Every sandbox has its own, empty network namespace (bwrap
 * --unshare-net: only a loopback of its own), so the site, Airflow's API, the controller
 * listener and the LAN are simply not there. The few endpoints a kind needs (the Kafka
 * brokers for kafka-ts) are relayed in: for each one the host listens on a Unix socket in a
 * per-slot folder, bound read-only into the sandbox at {@link RELAY_DIR}, and connects each
 * accepted stream to the real endpoint. Inside, relay.mjs listens on the endpoint's own
 * address (so advertised addresses stay the same) and forwards to that socket.
 */
export const RELAY_DIR = '/run/cauce-relay';

/** One endpoint as a run sees it inside and as the host reaches it. */
export interface RelayRoute {
  /** Address the relay listens on inside the run's namespace (a loopback address), e.g. `127.0.0.1`. */
  listenHost: string;
  port: number;
  /** Socket path inside the sandbox. */
  socket: string;
  /**
   * A non-loopback IP the cluster advertises (e.g. `10.0.0.5`): a namespace's loopback cannot
   * hold it, so the relay listens on a 127.0.2.x alias and the runtime's preload points
   * connections to this address there.
   */
  aliasOf?: string;
}

export interface SlotNetwork {
  /** Host folder bound at {@link RELAY_DIR}; undefined when the kind reaches nothing. */
  relayDir?: string;
  routes: RelayRoute[];
  /** Host file bound at /etc/hosts: localhost plus the endpoints' host names. */
  hostsFile: string;
}

interface Endpoint {
  host: string;
  port: number;
}

/**
 * Relays that speak HTTP instead of passing bytes: each request is checked before it is
 * forwarded, so a run reaches only the part of a server it needs (an Airflow task: the
 * Execution API, and of it only its own student's DAGs). Refused requests get a 403.
 */
export interface HttpRelayFilter {
  /** Identifies the rule (e.g. the student): a slot's relays are rebuilt when it changes. */
  key: string;
  /** `url` as it will be forwarded: dot segments resolved, percent-encoding kept, query parsed. */
  allow?(method: string, url: URL): boolean;
  /**
   * Instead of `allow`: the request as it must be forwarded (a WebHDFS request with the run's
   * student imposed, lab/hadoop/webhdfs-gate.ts) with headers to set on it, or the Spanish
   * reason it is refused (403). `endpoint` is which relayed `host:port` it came to.
   */
  rewrite?(method: string, url: URL, endpoint: string): RelayRewrite;
  /**
   * A response's `Location` (a NameNode's 307 to a DataNode) as the run must follow it: through
   * its relay. Undefined refuses the response (502): the run has no route to anywhere else.
   * @default Location passed as is
   */
  location?(location: string, endpoint: string): string | undefined;
}

export type RelayRewrite = { readonly url: URL; readonly headers?: Readonly<Record<string, string>> } | { readonly refused: string };

/**
 * The host side of every slot's relays. Servers are created once per (slot, endpoint list)
 * and kept: a slot serves one run at a time, and its sockets are reachable only from inside
 * that slot's sandbox. A changed endpoint list (an external cluster's brokers) rebuilds them.
 */
export class NetworkRelays {
  private readonly slots = new Map<number, { key: string; network: Promise<SlotNetwork>; servers: net.Server[]; sockets: [string, number][] }>();

  constructor(
    /** @default '/run/cauce-sandbox/net' */
    private readonly root = '/run/cauce-sandbox/net',
  ) {}

  /**
   * The slot's network for these endpoints (`host:port`); an empty list reaches nothing. With
   * `http`, every endpoint is an HTTP server and only the requests it allows are forwarded.
   */
  forSlot(uid: number, endpoints: readonly string[], http?: HttpRelayFilter): Promise<SlotNetwork> {
    const parsed = dedupe(endpoints.map(parseEndpoint));
    const key = parsed.map((e) => `${e.host}:${e.port}`).join(',') + (http ? ` http:${http.key}` : '');
    const current = this.slots.get(uid);
    if (current?.key === key && intact(current.sockets)) return current.network;
    current?.servers.forEach((server) => server.close());
    const servers: net.Server[] = [];
    const sockets: [string, number][] = [];
    const network = this.build(uid, parsed, servers, http, sockets);
    this.slots.set(uid, { key, network, servers, sockets });
    network.catch(() => this.slots.delete(uid)); // a failed build is retried by the next run
    return network;
  }

  /** Closes every relay (tests, shutdown). */
  close(): void {
    for (const { servers } of this.slots.values()) servers.forEach((server) => server.close());
    this.slots.clear();
  }

  private async build(uid: number, endpoints: Endpoint[], servers: net.Server[], filter: HttpRelayFilter | undefined, sockets: [string, number][]): Promise<SlotNetwork> {
    const dir = path.join(this.root, `uid-${uid}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(this.root, 0o755);
    const names = new Map<string, string>(); // host name -> loopback address inside
    const routes: RelayRoute[] = [];
    const aliases = new Map<string, string>(); // non-loopback IP -> loopback alias inside
    for (const [index, endpoint] of endpoints.entries()) {
      const direct = insideAddress(endpoint.host, names);
      if (!direct && !aliases.has(endpoint.host)) aliases.set(endpoint.host, `127.0.2.${aliases.size + 1}`);
      const listenHost = direct ?? aliases.get(endpoint.host)!;
      const socket = path.join(dir, `${index}.sock`);
      servers.push(await listen(filter ? httpRelay(endpoint, filter) : byteRelay(endpoint), socket));
      sockets.push([socket, statSync(socket).ino]);
      routes.push({ listenHost, port: endpoint.port, socket: path.posix.join(RELAY_DIR, `${index}.sock`), ...(direct ? {} : { aliasOf: endpoint.host }) });
    }
    const hostsFile = path.join(dir, 'hosts');
    const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost', ...[...names].map(([name, address]) => `${address} ${name}`)];
    await writeFile(hostsFile, `${lines.join('\n')}\n`, { mode: 0o644 });
    return { relayDir: routes.length > 0 ? dir : undefined, routes, hostsFile };
  }
}

/**
 * Whether a slot's relay sockets are still the ones this process listens on. Another server on
 * the machine that held the same uid meanwhile rebuilt that folder (the slot lock is shared,
 * the relays are not): a run bound to it would reach that server's relays, or none.
 */
function intact(sockets: readonly [string, number][]): boolean {
  try {
    return sockets.every(([socket, inode]) => statSync(socket).ino === inode);
  } catch {
    return false;
  }
}

function parseEndpoint(text: string): Endpoint {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim());
  if (!match) throw new RangeError(`endpoint ${text} is not host:port`);
  return { host: match[1]!.toLowerCase(), port: Number(match[2]) };
}

function dedupe(endpoints: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return endpoints.filter((e) => !seen.has(`${e.host}:${e.port}`) && seen.add(`${e.host}:${e.port}`));
}

/**
 * Where a run finds `host` inside its namespace: loopback addresses as they are, `localhost`
 * as 127.0.0.1, other names on 127.0.1.x through the generated /etc/hosts. A non-loopback
 * IP literal cannot be given to a namespace's loopback: null (it gets an alias instead).
 */
function insideAddress(host: string, names: Map<string, string>): string | null {
  if (host === 'localhost') return '127.0.0.1';
  if (net.isIPv4(host)) return host.startsWith('127.') ? host : null;
  if (net.isIPv6(host)) return host === '::1' ? '::1' : null;
  if (!names.has(host)) names.set(host, `127.0.1.${names.size + 1}`);
  return names.get(host)!;
}

function byteRelay(target: Endpoint): net.Server {
  return net.createServer((inside) => {
    const outside = net.connect({ host: target.host, port: target.port });
    inside.pipe(outside).pipe(inside);
    const close = () => {
      inside.destroy();
      outside.destroy();
    };
    inside.on('error', close).on('close', close);
    outside.on('error', close).on('close', close);
  });
}

/** Node's HTTP parser frames each request (keep-alive included); the filter sees every one. */
function httpRelay(target: Endpoint, filter: HttpRelayFilter): http.Server {
  const agent = new http.Agent({ keepAlive: true });
  const endpoint = `${target.host}:${target.port}`;
  return http.createServer((request, response) => {
    const method = request.method ?? 'GET';
    const raw = request.url ?? '/';
    // Checked and forwarded in the same (normalised) form, so the server sees what was checked.
    const parsed = raw.startsWith('/') ? new URL(raw, 'http://relay') : null;
    const decision: RelayRewrite | undefined = !parsed
      ? undefined
      : filter.rewrite
        ? filter.rewrite(method, parsed, endpoint)
        : filter.allow?.(method, parsed)
          ? { url: parsed }
          : undefined;
    if (!decision || 'refused' in decision) {
      request.resume();
      // WebHDFS's error shape: the Hadoop client prints its message as the command's error.
      const message = decision ? decision.refused : 'not reachable from this sandbox';
      response
        .writeHead(403, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ detail: message, RemoteException: { exception: 'SandboxRefused', javaClassName: 'java.io.IOException', message } })}\n`);
      return;
    }
    const { url } = decision;
    const headers = { ...request.headers, ...decision.headers };
    const outbound = http.request({ host: target.host, port: target.port, method, path: url.pathname + url.search, headers, agent }, (upstream) => {
      const back = { ...upstream.headers };
      // Only a redirect is followed; a 201's Location (WebHDFS CREATE: the file's hdfs:// URI) is information.
      const redirect = (upstream.statusCode ?? 0) >= 300 && (upstream.statusCode ?? 0) < 400;
      if (redirect && back.location && filter.location) {
        const location = filter.location(back.location, endpoint);
        if (location === undefined) {
          upstream.resume();
          response.writeHead(502).end();
          return;
        }
        back.location = location;
      }
      response.writeHead(upstream.statusCode ?? 502, back);
      upstream.pipe(response);
    });
    outbound.on('error', () => (response.headersSent ? response.destroy() : response.writeHead(502).end()));
    // The run gone mid-answer (stopped, killed): the server hears it too (a streamed job is then stopped).
    response.once('close', () => response.writableFinished || outbound.destroy());
    request.pipe(outbound);
  });
}

function listen(server: net.Server, socketPath: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.unref(); // relays must not keep the server process alive
      // The sandbox uid must be able to connect (write permission on the socket inode).
      chmod(socketPath, 0o666).then(() => resolve(server), reject);
    });
  });
}
