import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commandLine, isAlive } from '../lab/kafka/process';
import { bindError } from '../lab/ports';
import { SiteServer } from './site-server';

/**
 * The launcher as `npm start` runs it after its installs (`cauce.mjs serve`, as the e2e suite
 * starts it), in its own process group like a terminal's job. Each test has its own CAUCE_LAB_DIR
 * under .lab/, which also marks every process the launcher starts (they inherit it), and random
 * free ports. The site serves the existing production build (`--no-build`): rebuilding .next
 * here would pull it from under any other server of the machine using it.
 */
const root = path.resolve(import.meta.dirname, '..');
const servers: Server[] = [];
const launchers: ChildProcess[] = [];
const labDirs: string[] = [];

beforeAll(() => {
  // A fresh clone has no build yet (`npm test` builds only after Vitest): make one, as the e2e suite's launcher would.
  if (fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) return;
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (build.status !== 0) throw new Error('next build falló: el servidor del sitio no tiene qué servir.');
}, 600_000);

afterEach(async () => {
  for (const launcher of launchers.splice(0)) if (launcher.pid && launcher.exitCode === null) process.kill(-launcher.pid, 'SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  for (const dir of labDirs.splice(0)) {
    for (const pid of processesOf(dir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function newLabDir(): string {
  fs.mkdirSync(path.join(root, '.lab'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(root, '.lab', 'arranque-'));
  labDirs.push(dir);
  return dir;
}

/** A port with `span - 1` free ports after it (Kafka takes the next one, Airflow the next two). */
async function freePort(span = 1): Promise<number> {
  for (;;) {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const errors = await Promise.all(Array.from({ length: span }, (_, i) => bindError(port + i, '127.0.0.1')));
    if (errors.every((error) => error === undefined)) return port;
  }
}

/** Another program on the port, as a student's other app would be. */
async function takePort(port: number): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
}

/** Live processes started with this lab folder in their environment. */
function processesOf(labDir: string): number[] {
  const marker = `CAUCE_LAB_DIR=${labDir}\0`;
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => {
      try {
        return fs.readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Every process below `pid` now (a sandbox's clean environment would hide it from processesOf). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

interface Launch {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(args: string[], env: Record<string, string>): Launch {
  const base = { ...process.env };
  // The shell's lab and site settings would otherwise leak in (vitest's own CAUCE_DB_FILE stays: an in-memory database).
  for (const key of [
    'KAFKA_BROKERS',
    'AIRFLOW_API_URL',
    'PORT',
    'CAUCE_HOST',
    'CAUCE_KAFKA_PORT',
    'CAUCE_AIRFLOW_PORT',
    'CAUCE_MODE',
    'DATABASE_URL',
    'CAUCE_HADOOP_PORT',
    'HADOOP_CONF_DIR',
    'HADOOP_DEFAULT_FS',
  ])
    delete base[key];
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'cauce.mjs'), 'serve', ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // No Hadoop: these launchers test the site and Kafka/Airflow, and a developer's Hadoop may hold 9870-9883.
    env: { ...base, CAUCE_HADOOP: 'off', ...env },
  });
  launchers.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, launcher?: Launch): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline || launcher?.child.exitCode != null) throw new Error(`${what}: no ocurrió.\n${launcher?.output() ?? ''}`);
    await sleep(100);
  }
}

async function homeStatus(port: number): Promise<number | undefined> {
  try {
    return (await fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return undefined; // not listening
  }
}

describe('el arranque (npm start)', () => {
  it('con el puerto del sitio ocupado dice cuál y cómo cambiarlo, y termina sin arrancar el laboratorio', { timeout: 30_000 }, async () => {
    const labDir = newLabDir();
    const [sitePort, kafkaPort, airflowPort] = [await freePort(), await freePort(2), await freePort(3)];
    await takePort(sitePort);
    const started = Date.now();
    const launcher = launch(['--port', String(sitePort), '--no-build'], { CAUCE_LAB_DIR: labDir, CAUCE_KAFKA_PORT: String(kafkaPort), CAUCE_AIRFLOW_PORT: String(airflowPort) });
    const { code } = await launcher.exited;
    expect(code).not.toBe(0);
    expect(launcher.output()).toContain(`El puerto ${sitePort} (el sitio) ya está en uso. Libéralo o elige otro con --port o PORT.`);
    expect(launcher.output()).not.toContain('listo');
    // Nothing of the lab was even prepared: no state folders, no process with this lab folder.
    expect(fs.readdirSync(labDir)).toEqual([]);
    expect(processesOf(labDir)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('con el controlador de Kafka ocupado lo dice antes de arrancar Airflow', { timeout: 30_000 }, async () => {
    const labDir = newLabDir();
    const [sitePort, kafkaPort, airflowPort] = [await freePort(), await freePort(2), await freePort(3)];
    await takePort(kafkaPort + 1);
    const launcher = launch(['--port', String(sitePort), '--no-build'], { CAUCE_LAB_DIR: labDir, CAUCE_KAFKA_PORT: String(kafkaPort), CAUCE_AIRFLOW_PORT: String(airflowPort) });
    const { code } = await launcher.exited;
    expect(code).not.toBe(0);
    expect(launcher.output()).toContain(`El puerto ${kafkaPort + 1} (el controlador de Kafka) ya está en uso. Libéralo o elige otro con CAUCE_KAFKA_PORT`);
    expect(launcher.output()).not.toContain('Airflow 3');
    expect(fs.readdirSync(labDir)).toEqual([]);
  });

  it('si matan el servidor del sitio (kill -9) vuelve a servir solo y lo dice; Ctrl-C lo detiene todo sin dejar procesos', { timeout: 120_000 }, async () => {
    const labDir = newLabDir();
    const [sitePort, kafkaPort, airflowPort] = [await freePort(), await freePort(), await freePort()];
    // An external lab that is not there: the launcher starts no Kafka or Airflow ("El sitio arranca igualmente"),
    // and the site finds no Airflow install for its warm DAG workers, so it starts none.
    const launcher = launch(['--port', String(sitePort), '--no-build'], {
      CAUCE_LAB_DIR: labDir,
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      AIRFLOW_API_URL: `http://127.0.0.1:${airflowPort}`,
      CAUCE_AIRFLOW_INSTALL_DIR: path.join(labDir, 'sin-airflow'),
    });
    await until('«Cauce listo»', () => (launcher.output().includes('✔ Cauce listo') ? true : undefined), 60_000, launcher);
    expect(await homeStatus(sitePort)).toBe(200);

    const serverPid = () => processesOf(labDir).find((pid) => commandLine(pid)?.includes('serve-next.mjs'));
    const killed = await until('el servidor del sitio', serverPid, 5_000, launcher);
    process.kill(killed, 'SIGKILL');
    const startedAgain = await until('un servidor nuevo', () => (serverPid() !== killed ? serverPid() : undefined), 30_000, launcher);
    await until('la portada otra vez', async () => ((await homeStatus(sitePort)) === 200 ? true : undefined), 30_000, launcher);
    await until('«vuelve a estar disponible»', () => (launcher.output().includes('El sitio vuelve a estar disponible.') ? true : undefined), 5_000, launcher);
    expect(startedAgain).not.toBe(killed);
    expect(launcher.output()).toContain('El sitio se detuvo inesperadamente (SIGKILL); reiniciando en 1 s…');
    expect(launcher.output().match(/✔ Cauce listo/g)).toHaveLength(1);

    const tree = descendants(launcher.child.pid!);
    expect(tree).toContain(startedAgain);
    process.kill(-launcher.child.pid!, 'SIGINT'); // what Ctrl-C sends to the terminal's job
    expect((await launcher.exited).code).toBe(0);
    expect(tree.filter(isAlive)).toEqual([]);
    expect(processesOf(labDir)).toEqual([]);
  });
});

describe('el servidor del sitio', () => {
  it('con su puerto ocupado no se queda colgado: dice en español qué puerto y cómo cambiarlo', { timeout: 60_000 }, async () => {
    const port = await freePort();
    await takePort(port);
    const server = new SiteServer({ port, host: '127.0.0.1', env: { CAUCE_AIRFLOW_INSTALL_DIR: path.join(newLabDir(), 'sin-airflow') } });
    await server.start();
    await expect(server.waitHealthy(50_000)).rejects.toThrow(`El puerto ${port} (el sitio) ya está en uso. Libéralo o elige otro con --port o PORT.`);
    expect(server.pid).toBeUndefined();
  });
});
