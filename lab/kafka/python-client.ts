import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { envVar } from '../../lib/env';
import { closedParent } from '../../lib/sandbox/runtime';
import { run } from '../airflow/install';
import { LabError } from '../errors';
import { KAFKA_SOURCE_DIR, REPO_ROOT } from './paths';

/** The pinned client (lab/kafka/python/requirements.in), named in messages. */
export const KAFKA_PYTHON_VERSION = '3.0.12';

/** Where the kafka-py kind's client lives. */
export interface KafkaPythonPaths {
  /** Tracked: the lock with hashes every install uses. */
  readonly lockFile: string;
  /**
   * The venv's folder. Not under CAUCE_LAB_DIR, like Airflow's install: the e2e lab and the
   * tests use their own state folders but share one install.
   */
  readonly installDir: string;
  readonly venv: string;
  readonly python: string;
  /** Written last: the lock's hash, so a changed lock reinstalls. */
  readonly installedMarker: string;
}

export function kafkaPythonPaths(): KafkaPythonPaths {
  const installDir = resolve(envVar('CAUCE_KAFKA_PYTHON_DIR') ?? join(REPO_ROOT, '.lab', 'kafka-python'));
  const venv = join(installDir, 'venv');
  return {
    lockFile: join(KAFKA_SOURCE_DIR, 'python', 'requirements.lock'),
    installDir,
    venv,
    python: join(venv, 'bin', 'python'),
    installedMarker: join(installDir, 'installed'),
  };
}

function lockHash(paths: KafkaPythonPaths): string {
  return createHash('sha256').update(readFileSync(paths.lockFile)).digest('hex');
}

/** True when the venv matches the committed lock. */
export function kafkaPythonInstalled(paths: KafkaPythonPaths = kafkaPythonPaths()): boolean {
  if (!existsSync(paths.installedMarker) || !existsSync(paths.python)) return false;
  return readFileSync(paths.installedMarker, 'utf8').trim() === lockHash(paths);
}

/**
 * Idempotent install of the article's Python client for kafka-py runs: a venv from the
 * system's Python (the sandbox binds it read-only, so it must be readable by the sandbox uids)
 * with kafka-python from the committed lock, hashes checked, bytecode compiled so read-only
 * sandboxes import it without writing. A second of pip on the first start, nothing after.
 */
export async function prepareKafkaPython(paths: KafkaPythonPaths = kafkaPythonPaths()): Promise<{ installed: boolean }> {
  if (kafkaPythonInstalled(paths)) return { installed: false };
  if (process.getuid?.() === 0) {
    const closed = await closedParent(paths.venv);
    if (closed) {
      throw new LabError(
        `Los ejemplos de Kafka en Python corren en un sandbox, con usuarios sin privilegios que no pueden entrar en ${closed}. ` +
          `Clona Cauce en una carpeta accesible (por ejemplo /srv/cauce) o da paso a esa carpeta con «chmod o+x ${closed}».`,
      );
    }
  }
  const python = envVar('CAUCE_AIRFLOW_PYTHON') ?? '/usr/bin/python3';
  mkdirSync(paths.installDir, { recursive: true });
  chmodSync(paths.installDir, 0o755);
  rmSync(paths.installedMarker, { force: true });
  rmSync(paths.venv, { recursive: true, force: true });
  await run(python, ['-m', 'venv', '--without-pip', paths.venv], 'crear el entorno de Python de kafka-python');
  // The venv has no pip of its own (nothing in the sandbox needs one): the system's installs into it.
  await run(
    python,
    ['-m', 'pip', '--python', paths.python, 'install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile],
    `instalar kafka-python ${KAFKA_PYTHON_VERSION} desde ${paths.lockFile}`,
    { retriable: true },
  ).catch(async () => {
    // pip older than 22.3 has no --python: the venv's own pip (ensurepip) instead.
    rmSync(paths.venv, { recursive: true, force: true });
    await run(python, ['-m', 'venv', paths.venv], 'crear el entorno de Python de kafka-python');
    await run(
      paths.python,
      ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile],
      `instalar kafka-python ${KAFKA_PYTHON_VERSION}`,
      {
        retriable: true,
      },
    );
  });
  await run(paths.python, ['-m', 'compileall', '-q', join(paths.venv, 'lib')], 'compilar kafka-python');
  writeFileSync(paths.installedMarker, `${lockHash(paths)}\n`);
  return { installed: true };
}
