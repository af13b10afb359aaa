/**
 * Hostile programs against the sandbox's network and descriptors: a run reaches the endpoints
 * its kind needs (relayed into its own namespace) and nothing else: not another loopback
 * service (the site, Airflow's API, the controller), not this machine's other addresses, and
 * not a descriptor its launcher happened to hold.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTypeScript, SandboxHost, type SandboxOutput } from '../index';
import { assertSandboxPrerequisites } from './prerequisites';

const host = new SandboxHost({ firstUid: 61_120, concurrency: 2, root: '/run/cauce-sandbox-net-test', nodePermissions: false });
const servers: net.Server[] = [];

/** A TCP server on `address` that answers who it is: what a run would reach if it could. */
async function listen(address: string, name: string): Promise<number> {
  const server = net.createServer((socket) => socket.end(`${name}\n`));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return (server.address() as net.AddressInfo).port;
}

async function run(code: string, endpoints: string[] = []) {
  const out: SandboxOutput[] = [];
  const result = await runTypeScript({ files: [{ name: 'scan.ts', content: code }], entry: 'scan.ts', env: {}, endpoints, limits: { wallMs: 15_000 } }, (o) => out.push(o), host);
  return {
    result,
    stdout: out
      .filter((o) => o.stream === 'stdout')
      .map((o) => o.text)
      .join(''),
  };
}

/** Student code: connects to each target and prints what answered (or the error code). */
function probe(targets: [string, number][]): string {
  return `import http from 'node:http';
import net from 'node:net';
const probe = (host: string, port: number) => new Promise<string>((resolve) => {
  const s = net.connect({ host, port });
  const done = (v: string) => { s.destroy(); resolve(host + ':' + port + '=' + v); };
  s.once('data', (d) => done(d.toString().trim()));
  s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
  setTimeout(() => done('timeout'), 2000);
});
for (const [h, p] of ${JSON.stringify(targets)} as [string, number][]) console.log(await probe(h, p));`;
}

/** This machine's own non-loopback IPv4 addresses (where a site on 0.0.0.0 would answer). */
function ownAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}

describe('la red de una ejecución: solo lo que su tipo necesita', { timeout: 60_000 }, () => {
  beforeAll(assertSandboxPrerequisites);
  afterAll(() => {
    servers.forEach((s) => s.close());
    host.relays.close();
  });

  it('el broker relayado responde en su dirección de siempre; otro puerto de loopback no existe', async () => {
    const broker = await listen('127.0.0.1', 'broker');
    const site = await listen('127.0.0.1', 'sitio');
    const { stdout, result } = await run(
      probe([
        ['127.0.0.1', broker],
        ['localhost', broker],
        ['127.0.0.1', site],
      ]),
      [`127.0.0.1:${broker}`],
    );
    expect(result.reason).toBe('finished');
    expect(stdout).toContain(`127.0.0.1:${broker}=broker`);
    expect(stdout).toContain(`localhost:${broker}=broker`);
    expect(stdout).toContain(`127.0.0.1:${site}=ECONNREFUSED`);
    expect(stdout).not.toContain('sitio');
  });

  it('un barrido de los puertos de loopback no encuentra nada más que lo relayado', async () => {
    const broker = await listen('127.0.0.1', 'broker');
    const others = await Promise.all(['site', 'airflow', 'controller', 'spark'].map((n) => listen('127.0.0.1', n)));
    const code = `import http from 'node:http';
import net from 'node:net';
const open: number[] = [];
const ports = ${JSON.stringify([...others, broker, 3000, 8080, 9092, 9093, 9094, 18080, 19092])};
await Promise.all(ports.map((port) => new Promise<void>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port }, () => { open.push(port); s.destroy(); resolve(); });
  s.on('error', () => resolve());
})));
console.log('abiertos', open.sort((a, b) => a - b).join(','));`;
    const { stdout } = await run(code, [`127.0.0.1:${broker}`]);
    expect(stdout.trim()).toBe(`abiertos ${broker}`);
  });

  it('las direcciones de esta máquina en la red local no se alcanzan (un sitio en 0.0.0.0 tampoco)', async () => {
    const addresses = ownAddresses();
    expect(addresses.length, 'la máquina de pruebas tiene al menos una interfaz de red').toBeGreaterThan(0);
    const port = await listen('0.0.0.0', 'sitio-en-todas-las-interfaces');
    const { stdout } = await run(probe(addresses.map((a) => [a, port] as [string, number])));
    for (const address of addresses) expect(stdout).toMatch(new RegExp(`${address.replace(/\./g, '\\.')}:${port}=(ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|timeout)`));
    expect(stdout).not.toContain('sitio-en-todas-las-interfaces');
  });

  it('otro servidor que tuvo las mismas ranuras rehízo sus relés: las ejecuciones de este rehacen los suyos y llegan al broker', async () => {
    const port = await listen('127.0.0.1', 'broker');
    for (let i = 0; i < 2; i++) expect((await run(probe([['127.0.0.1', port]]), [`127.0.0.1:${port}`])).stdout).toContain('=broker');
    // Another server on the machine: its own relays, the same uids and folders, taking each slot in turn.
    const other = new SandboxHost({ firstUid: 61_120, concurrency: 2, root: '/run/cauce-sandbox-net-test', nodePermissions: false });
    const otherPort = await listen('127.0.0.1', 'otro');
    const otherRun = () =>
      runTypeScript(
        { files: [{ name: 'o.ts', content: probe([['127.0.0.1', otherPort]]) }], entry: 'o.ts', env: {}, endpoints: [`127.0.0.1:${otherPort}`], limits: { wallMs: 15_000 } },
        () => undefined,
        other,
      );
    await otherRun();
    await otherRun();
    other.relays.close();
    for (let i = 0; i < 2; i++) expect((await run(probe([['127.0.0.1', port]]), [`127.0.0.1:${port}`])).stdout).toContain('=broker');
  });

  it('sin extremos declarados (un DAG) no hay red: ni siquiera el broker', async () => {
    const broker = await listen('127.0.0.1', 'broker');
    const { stdout } = await run(probe([['127.0.0.1', broker]]));
    expect(stdout.trim()).toBe(`127.0.0.1:${broker}=ECONNREFUSED`);
  });

  it('el nombre de host de un clúster externo se resuelve dentro hacia su relé', async () => {
    // This machine's own name stands in for a cluster's DNS name: the host resolves it, the
    // sandbox has no DNS, so the generated /etc/hosts points it at the relay.
    const broker = await listen('0.0.0.0', 'broker-por-nombre');
    const name = os.hostname();
    const { stdout } = await run(probe([[name, broker]]), [`${name}:${broker}`]);
    expect(stdout.trim()).toBe(`${name}:${broker}=broker-por-nombre`);
  });

  it('un clúster que anuncia una IP que no es de loopback también se alcanza por su relé', async () => {
    // This machine's own interface address stands in for a remote broker's advertised IP.
    const [address] = ownAddresses();
    expect(address, 'la máquina de pruebas tiene una dirección IPv4 propia').toBeDefined();
    const broker = await listen('0.0.0.0', 'broker-por-ip');
    const other = await listen('0.0.0.0', 'otro-servicio');
    const { stdout } = await run(
      probe([
        [address!, broker],
        [address!, other],
      ]),
      [`${address}:${broker}`],
    );
    expect(stdout).toContain(`${address}:${broker}=broker-por-ip`);
    expect(stdout).not.toContain('otro-servicio');
  });

  it('no hereda descriptores abiertos del proceso que lanzó el servidor', async () => {
    // What `npm start` from a shell leaves behind: a pipe without close-on-exec, here fd 5 of
    // a server process started the way the launcher starts one.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'inherited-fd.ts')], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit', 'ignore', 'ignore', 'pipe'],
    });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout).toContain('el servidor tiene el fd 5: sí');
    expect(stdout).toContain('la ejecución ve: 0,1,2 y los suyos de node, sin el fd 5 heredado');
  });

  it('una ejecución no puede llamar al sitio: ni a sus rutas ni a sus acciones de servidor', async () => {
    // A stand-in for the site on loopback that would accept a server action (Next-Action header).
    const calls: string[] = [];
    const site = http.createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    servers.push(site as unknown as net.Server);
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const { port } = site.address() as net.AddressInfo;
    const broker = await listen('127.0.0.1', 'broker');
    const { stdout } = await run(
      `for (const [path, headers] of [['/api/runs', {}], ['/cursos/airflow/definicion-plugin', { 'next-action': 'x' }]] as const) {
  try {
    const r = await fetch('http://127.0.0.1:${port}' + path, { method: 'POST', headers, body: '{}' });
    console.log(path, 'respondió', r.status);
  } catch (e) {
    console.log(path, 'inalcanzable', ((e as Error).cause as NodeJS.ErrnoException)?.code);
  }
}`,
      [`127.0.0.1:${broker}`],
    );
    expect(stdout).toBe('/api/runs inalcanzable ECONNREFUSED\n/cursos/airflow/definicion-plugin inalcanzable ECONNREFUSED\n');
    expect(calls).toEqual([]);
  });
});
