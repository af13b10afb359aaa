/**
 * Starts the embedded lab and the site together (`npm start` ends here after installs):
 * builds the site when its sources changed, brings Kafka up (or checks the external cluster),
 * then serves the production build. Ctrl-C stops the site and the lab, leaving no JVM behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startLab, type Progress } from '../lab/index';
import { isLoopbackAddress, localUrl } from '../lib/http/front-door.mjs';
import { envVar, serverEnv } from '../lib/env';

const root = path.resolve(import.meta.dirname, '..');
const argument = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const port = Number(argument('--port') ?? envVar('PORT') ?? 3000);
/** Where the site listens: this machine only unless `--host 0.0.0.0` (or CAUCE_HOST) says otherwise. */
const host = argument('--host') ?? serverEnv().CAUCE_HOST ?? '127.0.0.1';
const SOURCES = ['app', 'components', 'lib', 'content', 'next.config.mjs', 'package-lock.json', 'tsconfig.json'];

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

/** The site's server: one process, with a parent-death signal (see scripts/serve-next.mjs). */
function spawnServer(port: number, host: string, env: Record<string, string>): ChildProcess {
  const script = path.join(root, 'scripts', 'serve-next.mjs');
  return spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, script, String(port), '--host', host], {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...env },
  });
}

function waitForExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

function progressLine({ fraction, message }: Progress) {
  if (process.stdout.isTTY) process.stdout.write(`\r${message}${fraction >= 1 ? '\n' : ''}`);
  else if (fraction >= 1 || Math.round(fraction * 100) % 10 === 0) console.log(message);
}

async function main(): Promise<number> {
  const build = buildIsStale() ? (console.log('▸ Construyendo el sitio (next build)…'), waitForExit(spawnNextBuild())) : Promise.resolve(0);
  const lab = startLab({ onProgress: progressLine });
  const [buildCode, running] = await Promise.all([build, lab.catch((error: unknown) => error as Error)]);
  if (running instanceof Error) {
    console.error(`✖ El laboratorio no arrancó: ${running.message}`);
    return 1;
  }
  if (buildCode !== 0) {
    console.error('✖ La construcción del sitio falló; revisa los mensajes de arriba.');
    await running.stop();
    return buildCode;
  }

  const site = spawnServer(port, host, { ...running.env, KAFKA_BROKERS: running.brokers, CAUCE_LAB_MODE: running.mode });
  // The server prints the address for other machines (with its access token) once it listens.
  const exposed = isLoopbackAddress(host) ? '' : `\n  Abierto a otras máquinas (--host ${host}): la dirección de acceso la imprime el servidor al arrancar.`;
  console.log(
    `\n✔ Cauce listo en ${localUrl(host, port)}  (Kafka: ${running.brokers}, ${running.mode === 'embedded' ? 'laboratorio integrado' : 'modo externo'})${exposed}\n  Ctrl-C para detener el sitio y el laboratorio.\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\n▸ Deteniendo el sitio y el laboratorio…');
    if (site.pid) {
      try {
        process.kill(-site.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await running.stop();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
  const code = await waitForExit(site);
  await stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
