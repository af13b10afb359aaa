#!/usr/bin/env node
/**
 * Cauce's entry point, written without dependencies so it runs on a fresh clone:
 *   node scripts/cauce.mjs start [--port 3000]  installs what is missing, then starts lab + site
 *   node scripts/cauce.mjs test                 installs what is missing, then runs every test
 *   node scripts/cauce.mjs serve --port N       starts lab + site, assuming installs are done (e2e)
 * `npm start` and `npm test` call it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

/** System packages by the command they provide; Java and Maven come with this machine kind. */
const SYSTEM = {
  // The shell kind's tools (lib/sandbox/kinds/shell.ts): ssh and ssh-keygen, ss, ps and hostname;
  // curl carries the sandbox's `yarn jar` and `hdfs fsck` to the lab (lab/hadoop/sandbox-client.ts).
  start: {
    bwrap: 'bubblewrap',
    setpriv: 'util-linux',
    java: 'openjdk-17-jre-headless',
    mvn: 'maven',
    ssh: 'openssh-client',
    ss: 'iproute2',
    ps: 'procps',
    hostname: 'hostname',
    curl: 'curl',
  },
  test: {
    bwrap: 'bubblewrap',
    setpriv: 'util-linux',
    ssh: 'openssh-client',
    ss: 'iproute2',
    ps: 'procps',
    hostname: 'hostname',
    curl: 'curl',
    java: 'openjdk-17-jre-headless',
    mvn: 'maven',
    chromium: 'chromium',
    'fc-list': 'fontconfig',
  },
};
/** Packages with no command of their own to look for: checked with dpkg. */
const PACKAGES = {
  start: ['python3-venv'],
  // postgresql: the DB-layer spec runs against a throwaway PostgreSQL server as well as SQLite.
  test: ['python3-venv', 'fonts-liberation', 'fonts-noto-core', 'fonts-dejavu-core', 'postgresql'],
};

function say(message) {
  console.log(`\x1b[1m▸ ${message}\x1b[0m`);
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} terminó con código ${result.status}`);
}

function ensureSystem(kind) {
  const missing = Object.entries(SYSTEM[kind])
    .filter(([command]) => !has(command))
    .map(([, pkg]) => pkg);
  for (const pkg of PACKAGES[kind]) {
    const status = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout ?? '';
    if (!status.includes('install ok installed')) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const packages = [...new Set(missing)];
  if (process.getuid?.() !== 0) {
    console.error(`Faltan paquetes del sistema: ${packages.join(' ')}.\nInstálalos con: sudo apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  say(`Instalando paquetes del sistema: ${packages.join(', ')}`);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * Go builds the S3 store (SeaweedFS, lab/s3/go) from the Go module proxy. Debian's own Go is
 * too old for it, so it is not installed from apt: this machine kind has the official one in
 * /usr/local/go; without it, say where to get it.
 */
function ensureGo() {
  if (has('go') || fs.existsSync('/usr/local/go/bin/go')) return;
  console.error('Falta Go (1.26 o posterior) para compilar el almacén S3 (SeaweedFS). Instálalo en /usr/local/go, o usa un almacén S3 externo con AWS_ENDPOINT_URL.');
  process.exit(1);
}

function ensureNodeModules() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  say('Instalando dependencias de npm (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Runs a child in the foreground, forwarding Ctrl-C so it can stop the lab cleanly. */
function foreground(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const [command = 'start', ...rest] = process.argv.slice(2);
/**
 * TypeScript scripts run in node itself with tsx as its loader, not through the tsx CLI: the CLI
 * relays Ctrl-C to its child and, when the child does not acknowledge within 30 ms (a busy
 * machine), sends it SIGKILL and exits 130, so the launcher could not stop the lab in order.
 */
const typescript = (script, args) => foreground(process.execPath, ['--import', 'tsx', script, ...args]);

switch (command) {
  case 'start':
    ensureSystem('start');
    if (!process.env.AWS_ENDPOINT_URL) ensureGo();
    ensureNodeModules();
    process.exit(await typescript('scripts/site.ts', rest));
    break;
  case 'serve':
    process.exit(await typescript('scripts/site.ts', rest));
    break;
  case 'test':
    ensureSystem('test');
    ensureGo();
    ensureNodeModules();
    process.exit(await typescript('scripts/test.ts', rest));
    break;
  default:
    console.error('Uso: node scripts/cauce.mjs start|test|serve [--port N]');
    process.exit(2);
}
