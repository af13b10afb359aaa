/**
 * Starts the embedded lab and the site together (`npm start` ends here after installs): checks
 * that every port it will bind is free (lab/ports.ts) before anything starts, builds the site
 * when its sources changed, brings Kafka and Airflow up (or checks the external ones), then
 * serves the production build under a supervisor and says "Cauce listo" once it listens.
 * Ctrl-C stops the site and the lab, leaving no process behind.
 * Flags: --port N, --host ADDRESS, --no-build, --with-hadoop (Hadoop now, not when a lesson first
 * needs it; the same as CAUCE_HADOOP=on).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describeError } from '../lab/errors';
import { signalGroup } from '../lab/kafka/process';
import { startLab, stopLeftovers, type Progress, type RunningFullLab } from '../lab/index';
import { DEFAULT_SITE_PORT, firstUnavailablePort, launcherPorts, sitePorts } from '../lab/ports';
import { serviceStates } from '../lab/service-state';
import { Supervisor } from '../lab/supervisor';
import { isLoopbackAddress, localUrl } from '../lib/http/front-door.mjs';
import { envVar, serverEnv } from '../lib/env';
import { SiteServer } from './site-server';

const root = path.resolve(import.meta.dirname, '..');
const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const port = Number(argument('--port') ?? envVar('PORT') ?? DEFAULT_SITE_PORT);
/** Where the site listens: this machine only unless `--host 0.0.0.0` (or CAUCE_HOST) says otherwise. */
const host = argument('--host') ?? serverEnv().CAUCE_HOST ?? '127.0.0.1';
/** Serve the build in .next as it is, stale or not (the launcher's own tests: a rebuild would pull it from under other servers). */
const noBuild = process.argv.includes('--no-build');
/** Start Hadoop with the lab instead of on a Hadoop lesson's first request. */
const withHadoop = process.argv.includes('--with-hadoop');
// lab/ too: the site's server imports the lab's health checks and versions (lib/lab/*.ts).
const SOURCES = ['app', 'components', 'lib', 'lab', 'content', 'next.config.mjs', 'package-lock.json', 'tsconfig.json'];

function newestMtime(target: string): number {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(target).reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

function buildIsStale(): boolean {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(root, source)) > built);
}

function spawnNextBuild(): ChildProcess {
  // Own process group, so a Ctrl-C during the build is handled by this launcher.
  return spawn(path.join(root, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}

function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

function progressLine({ fraction, message }: Progress) {
  if (process.stdout.isTTY) process.stdout.write(`\r${message}${fraction >= 1 ? '\n' : ''}`);
  else if (fraction >= 1 || Math.round(fraction * 100) % 10 === 0) console.log(message);
}

/** What is running, for {@link stopAll}: filled in as the start goes. */
let build: ChildProcess | undefined;
let lab: RunningFullLab | undefined;
let site: Supervisor | undefined;
let stopping: Promise<void> | undefined;

/**
 * Stops whatever has started, once: on Ctrl-C, a failed start, or a site that does not stay up.
 * A lab still starting is not waited for: its processes have a parent-death signal and exit hooks.
 */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    console.log('\n▸ Deteniendo el sitio y el laboratorio…');
    if (build?.pid && build.exitCode === null) signalGroup(build.pid, 'SIGTERM');
    await site?.stop();
    await lab?.stop();
  })();
  return stopping;
}

/** After Ctrl-C, what main() returns: 0 once the signal's stopAll() is done. A function: TypeScript would narrow a variable. */
function interrupted(): Promise<number> | undefined {
  return stopping?.then(() => 0);
}

async function main(): Promise<number> {
  // Every port first, before a build or a lab that would only fail (or hang) later. The site's
  // first: a second `npm start` stops there, before it touches this lab folder. A lab left by a
  // killed launcher still holds its own ports: stopped before they are checked, as startLab would.
  let blocked = await firstUnavailablePort(sitePorts(port, host));
  if (!blocked) {
    await stopLeftovers();
    blocked = await firstUnavailablePort(launcherPorts({ port, host }));
  }
  if (blocked) {
    console.error(`✖ ${blocked}`);
    return 1;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll().then(() => process.exit(0)));

  if (!noBuild && buildIsStale()) {
    console.log('▸ Construyendo el sitio (next build)…');
    build = spawnNextBuild();
  }
  const [buildCode, running] = await Promise.all([
    build ? waitForExit(build) : 0,
    startLab({ onProgress: progressLine, ...(withHadoop ? { hadoop: { when: 'on' as const } } : {}) }).catch((error: unknown) => error as Error),
  ]);
  if (interrupted()) return interrupted()!;
  if (running instanceof Error) {
    console.error(`✖ El laboratorio no arrancó: ${running.message}`);
    return 1;
  }
  lab = running;
  if (buildCode !== 0) {
    console.error('✖ La construcción del sitio falló; revisa los mensajes de arriba.');
    await stopAll();
    return buildCode;
  }

  // The site's server under a supervisor, like the lab's services: killed (an OOM kill, a crash)
  // it comes back in 1 s, 2 s, 4 s…, the lab untouched; five fast failures in a row end the launcher.
  const server = new SiteServer({ port, host, env: { ...running.env, KAFKA_BROKERS: running.brokers, CAUCE_LAB_MODE: running.mode } });
  const supervisor = new Supervisor(server, { healthTimeoutMs: 60_000, maxRestarts: 5 });
  site = supervisor;
  serviceStates().follow('site', supervisor);
  const gaveUp = new Promise<string>((resolve) => supervisor.once('gaveUp', resolve));
  try {
    await supervisor.start();
  } catch (error) {
    if (interrupted()) return interrupted()!;
    console.error(`✖ El sitio no arrancó: ${describeError(error)}`);
    await stopAll();
    return 1;
  }
  if (interrupted()) return interrupted()!;
  // Only now: the server said it listens. It prints the address for other machines (with its access token).
  const exposed = isLoopbackAddress(host) ? '' : `\n  Abierto a otras máquinas (--host ${host}): la dirección de acceso la imprime el servidor al arrancar.`;
  console.log(
    `\n✔ Cauce listo en ${localUrl(host, port)}  (Kafka: ${running.brokers}, ${running.mode === 'embedded' ? 'laboratorio integrado' : 'modo externo'})${exposed}\n  Ctrl-C para detener el sitio y el laboratorio.\n`,
  );

  await gaveUp;
  if (interrupted()) return interrupted()!;
  console.error('✖ El sitio no se mantiene en marcha (mira los mensajes de arriba); se detiene el laboratorio.');
  await stopAll();
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
