import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { envVar } from '../../lib/env';
import { closedParent } from '../../lib/sandbox/runtime';
import { LabDownloadError, LabError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { airflowPaths, lockHash, type AirflowPaths } from './paths';
import { AIRFLOW_VERSION, UV_VERSION } from './version';

export interface PrepareAirflowOptions {
  readonly onProgress?: ProgressListener;
  /** Re-resolve requirements.in into requirements.lock first (after changing a pin). @default false */
  readonly relock?: boolean;
  /**
   * Python 3.10–3.13 with venv. Must live where the sandbox uids can read it (not under
   * /root): the warm workers run it. @default $CAUCE_AIRFLOW_PYTHON or /usr/bin/python3
   */
  readonly python?: string;
  readonly paths?: AirflowPaths;
}

/** How long a cold install usually takes; drives the progress estimate while uv is silent. */
const EXPECTED_INSTALL_MS = 45_000;

/** True when the venv and template DB match the committed lock: nothing to install. */
export function airflowInstalled(paths: AirflowPaths = airflowPaths()): boolean {
  if (!existsSync(paths.installedMarker) || !existsSync(paths.python) || !existsSync(paths.templateDb)) return false;
  return readFileSync(paths.installedMarker, 'utf8').trim() === lockHash(paths);
}

/**
 * DAG runs bind the venv into sandboxes whose unprivileged uids must pass through every folder
 * above it. A clone under /root (0700 on Debian) used to fail every DAG run with bwrap's
 * English «Can't find source path … Permission denied»; say it once, here, in Spanish.
 */
async function checkSandboxCanReach(installDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return; // without root there is no sandbox to reach it
  const closed = await closedParent(join(installDir, 'venv'));
  if (!closed) return;
  throw new LabError(
    `Los ejemplos de Airflow corren en un sandbox, con usuarios sin privilegios que no pueden entrar en ${closed} ` +
      `(sus permisos no dejan pasar a otros usuarios, como los de /root). Clona Cauce en una carpeta accesible ` +
      `(por ejemplo /srv/cauce) o da paso a esa carpeta con «chmod o+x ${closed}».`,
  );
}

/**
 * Idempotent install of the lab's Airflow: bootstrap venv with uv, project venv from the
 * committed lock (hashes checked, bytecode compiled so read-only sandboxes import fast) and
 * a pre-migrated template metadata DB for the warm workers. Returns whether it installed.
 */
export async function prepareAirflow(options: PrepareAirflowOptions = {}): Promise<{ installed: boolean }> {
  const paths = options.paths ?? airflowPaths();
  const report = progressReporter(options.onProgress);
  await checkSandboxCanReach(paths.installDir);
  if (!options.relock && airflowInstalled(paths)) return { installed: false };

  const python = options.python ?? envVar('CAUCE_AIRFLOW_PYTHON') ?? '/usr/bin/python3';
  await checkPython(python);
  mkdirSync(paths.installDir, { recursive: true });
  chmodSync(paths.installDir, 0o755);
  rmSync(paths.installedMarker, { force: true });

  report(0.02);
  const uv = join(paths.bootstrapVenv, 'bin', 'uv');
  if (!existsSync(uv)) {
    rmSync(paths.bootstrapVenv, { recursive: true, force: true });
    await run(python, ['-m', 'venv', paths.bootstrapVenv], 'crear el entorno de arranque');
    await run(join(paths.bootstrapVenv, 'bin', 'pip'), ['install', '-q', '--disable-pip-version-check', `uv==${UV_VERSION}`], 'instalar uv');
  }
  report(0.06);
  if (options.relock) {
    await run(uv, ['pip', 'compile', paths.requirementsIn, '--python', python, '--generate-hashes', '--no-header', '--quiet', '-o', paths.lockFile], 'resolver las dependencias');
  }

  rmSync(paths.venv, { recursive: true, force: true });
  await run(uv, ['venv', '--quiet', '--python', python, paths.venv], 'crear el entorno virtual');
  // uv says little while it downloads: estimate from elapsed time, never reaching the end early.
  const started = Date.now();
  const ticker = setInterval(() => report(0.08 + 0.8 * Math.min((Date.now() - started) / EXPECTED_INSTALL_MS, 0.98)), 1_000);
  try {
    await run(
      uv,
      ['pip', 'sync', '--python', paths.python, '--require-hashes', '--compile-bytecode', '--quiet', paths.lockFile],
      `instalar Airflow ${AIRFLOW_VERSION} desde ${paths.lockFile}`,
      { retriable: true },
    );
  } finally {
    clearInterval(ticker);
  }
  report(0.9);
  await buildTemplateDb(paths);
  writeFileSync(paths.installedMarker, `${lockHash(paths)}\n`);
  report(1);
  return { installed: true };
}

/**
 * `airflow db migrate` into a throwaway AIRFLOW_HOME, keeping only the SQLite file: its
 * config (with generated keys) must not end up where every sandbox can read it.
 */
async function buildTemplateDb(paths: AirflowPaths): Promise<void> {
  const scratch = join(paths.installDir, 'template-home');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  await run(paths.airflowBin, ['db', 'migrate'], 'preparar la base de datos de plantilla', {
    env: airflowCliEnv(scratch, `sqlite:///${join(scratch, 'airflow.db')}`),
  });
  mkdirSync(paths.templateDir, { recursive: true });
  copyFileSync(join(scratch, 'airflow.db'), paths.templateDb);
  chmodSync(paths.templateDir, 0o755);
  chmodSync(paths.templateDb, 0o644);
  rmSync(scratch, { recursive: true, force: true });
}

/** The minimal environment for running the Airflow CLI of the lab's venv. */
export function airflowCliEnv(home: string, sqlAlchemyConn: string): Record<string, string> {
  // The CLI's own environment: PATH and HOME are passed on, not read as configuration.
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    AIRFLOW_HOME: home,
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: sqlAlchemyConn,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
  };
}

async function checkPython(python: string): Promise<void> {
  const out = await run(python, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], 'comprobar Python').catch((cause: unknown) => {
    throw new LabError(`Airflow necesita Python 3.10–3.13 con venv en ${python} (apt-get install python3-venv, o CAUCE_AIRFLOW_PYTHON).`, { cause });
  });
  const [major, minor] = out.trim().split('.').map(Number);
  if (major !== 3 || minor === undefined || minor < 10 || minor > 13) {
    throw new LabError(`Airflow ${AIRFLOW_VERSION} necesita Python 3.10–3.13 y ${python} es ${out.trim()}.`);
  }
}

function progressReporter(onProgress: ProgressListener | undefined): (fraction: number) => void {
  let last = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (percent === last) return;
    last = percent;
    onProgress?.({ fraction, message: `Instalando Airflow ${AIRFLOW_VERSION}… ${percent}%` });
  };
}

/** Runs a command; resolves with its stdout, rejects with its last output lines in Spanish. */
export function run(command: string, args: string[], what: string, options: { env?: Record<string, string>; retriable?: boolean } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // The child's environment (ours when none is given), passed on, not read here.
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: (options.env ?? process.env) as NodeJS.ProcessEnv });
    const tail: string[] = [];
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
      });
    }
    child.once('error', (error) => reject(new LabDownloadError(`No se pudo ${what}: ${error.message}`, { cause: error })));
    child.once('close', (code, signal) => {
      if (code === 0) return resolvePromise(stdout);
      reject(
        new LabDownloadError(`No se pudo ${what} (${signal ?? `código ${code}`}). Últimas líneas:\n${tail.join('\n')}`, {
          retriable: options.retriable ?? false,
        }),
      );
    });
  });
}
