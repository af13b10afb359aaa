import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envVar } from '../../lib/env';
import { closedParent } from '../../lib/sandbox/runtime';
import { run } from '../airflow/install';
import { LabError } from '../errors';
import type { ProgressListener } from '../kafka/download';
import { sparkPythonPaths, type SparkPythonPaths } from './paths';
import { SPARK_VERSION } from './version';

/** How long a cold install usually takes here (pyspark is a 450 MB sdist pip builds into a wheel). */
const EXPECTED_INSTALL_MS = 95_000;

function lockHash(paths: SparkPythonPaths): string {
  return createHash('sha256').update(readFileSync(paths.lockFile)).digest('hex');
}

/** True when the venv matches the committed lock. */
export function sparkPythonInstalled(paths: SparkPythonPaths = sparkPythonPaths()): boolean {
  if (!existsSync(paths.installedMarker) || !existsSync(paths.python)) return false;
  return readFileSync(paths.installedMarker, 'utf8').trim() === lockHash(paths);
}

/**
 * Idempotent install of the lab's pyspark: a venv from the system's Python with the committed
 * lock (hashes checked), bytecode compiled so a read-only sandbox imports it without writing.
 * Its jars folder is the Spark Connect server; its Python package the health check's client and
 * the pyspark kind's. Readable by every uid: the server runs as its own, the sandboxes as theirs.
 */
export async function prepareSparkPython(options: { onProgress?: ProgressListener; paths?: SparkPythonPaths } = {}): Promise<{ installed: boolean }> {
  const paths = options.paths ?? sparkPythonPaths();
  if (sparkPythonInstalled(paths)) return { installed: false };
  if (process.getuid?.() === 0) {
    const closed = await closedParent(paths.venv);
    if (closed) {
      throw new LabError(
        `Spark corre con un usuario sin privilegios que no puede entrar en ${closed}. ` +
          `Clona Cauce en una carpeta accesible (por ejemplo /srv/cauce) o da paso a esa carpeta con «chmod o+x ${closed}».`,
      );
    }
  }
  const python = envVar('CAUCE_AIRFLOW_PYTHON') ?? '/usr/bin/python3';
  mkdirSync(paths.installDir, { recursive: true });
  chmodSync(paths.installDir, 0o755);
  rmSync(paths.installedMarker, { force: true });
  rmSync(paths.venv, { recursive: true, force: true });
  const label = `Instalando pyspark ${SPARK_VERSION}…`;
  const started = Date.now();
  // pip says nothing while it downloads and builds: estimate from the elapsed time, never reaching the end early.
  const ticker = setInterval(() => {
    const fraction = 0.95 * Math.min((Date.now() - started) / EXPECTED_INSTALL_MS, 0.99);
    options.onProgress?.({ fraction, message: `${label} ${Math.floor(fraction * 100)}%` });
  }, 2_000);
  try {
    options.onProgress?.({ fraction: 0, message: `${label} 0%` });
    await run(python, ['-m', 'venv', '--without-pip', paths.venv], 'crear el entorno de Python de pyspark');
    // The venv has no pip of its own (nothing in the sandbox needs one): the system's installs into it.
    await run(
      python,
      ['-m', 'pip', '--python', paths.python, 'install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile],
      `instalar pyspark ${SPARK_VERSION} desde ${paths.lockFile}`,
      { retriable: true },
    );
    await run(paths.python, ['-m', 'compileall', '-q', join(paths.venv, 'lib')], 'compilar pyspark');
  } finally {
    clearInterval(ticker);
  }
  writeFileSync(paths.installedMarker, `${lockHash(paths)}\n`);
  options.onProgress?.({ fraction: 1, message: `${label} 100%` });
  return { installed: true };
}
