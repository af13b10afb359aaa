import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { envVar } from '../../lib/env';
import { closedParent } from '../../lib/sandbox/runtime';
import { run } from '../airflow/install';
import { LabError } from '../errors';
import { REPO_ROOT } from '../kafka/paths';

/** The pinned client (lab/spark/client/requirements.in), named in messages. */
export const SPARK_CLIENT_VERSION = '4.2.0';

/** Where the pyspark kind's Spark Connect client lives. */
export interface SparkClientPaths {
  /** Tracked: the lock with hashes every install uses. */
  readonly lockFile: string;
  /** The venv's folder; like kafka-python's, not under CAUCE_LAB_DIR (tests and the e2e lab share one install). */
  readonly installDir: string;
  readonly venv: string;
  readonly python: string;
  /** Written last: the lock's hash, so a changed lock reinstalls. */
  readonly installedMarker: string;
}

export function sparkClientPaths(): SparkClientPaths {
  const installDir = resolve(envVar('CAUCE_SPARK_CLIENT_DIR') ?? join(REPO_ROOT, '.lab', 'spark-client'));
  const venv = join(installDir, 'venv');
  return {
    lockFile: join(REPO_ROOT, 'lab', 'spark', 'client', 'requirements.lock'),
    installDir,
    venv,
    python: join(venv, 'bin', 'python'),
    installedMarker: join(installDir, 'installed'),
  };
}

function lockHash(paths: SparkClientPaths): string {
  return createHash('sha256').update(readFileSync(paths.lockFile)).digest('hex');
}

/** True when the venv matches the committed lock. */
export function sparkClientInstalled(paths: SparkClientPaths = sparkClientPaths()): boolean {
  if (!existsSync(paths.installedMarker) || !existsSync(paths.python)) return false;
  return readFileSync(paths.installedMarker, 'utf8').trim() === lockHash(paths);
}

/**
 * Idempotent install of the thin Spark Connect client for pyspark runs: a venv from the
 * system's Python (bound read-only into the sandbox, so readable by the sandbox uids) with
 * pyspark-client and its wheels (gRPC, pyarrow, pandas) from the committed lock, hashes
 * checked, bytecode compiled so read-only sandboxes import it without writing. About 20 s of
 * pip on the first start (80 MB of wheels from the registry), nothing after.
 */
export async function prepareSparkClient(paths: SparkClientPaths = sparkClientPaths()): Promise<{ installed: boolean }> {
  if (sparkClientInstalled(paths)) return { installed: false };
  if (process.getuid?.() === 0) {
    const closed = await closedParent(paths.venv);
    if (closed) {
      throw new LabError(
        `Los trabajos de Spark corren en un sandbox, con usuarios sin privilegios que no pueden entrar en ${closed}. ` +
          `Clona Cauce en una carpeta accesible (por ejemplo /srv/cauce) o da paso a esa carpeta con «chmod o+x ${closed}».`,
      );
    }
  }
  const python = envVar('CAUCE_AIRFLOW_PYTHON') ?? '/usr/bin/python3';
  mkdirSync(paths.installDir, { recursive: true });
  chmodSync(paths.installDir, 0o755);
  rmSync(paths.installedMarker, { force: true });
  rmSync(paths.venv, { recursive: true, force: true });
  const what = `instalar pyspark-client ${SPARK_CLIENT_VERSION} desde ${paths.lockFile}`;
  await run(python, ['-m', 'venv', '--without-pip', paths.venv], 'crear el entorno de Python del cliente de Spark');
  // The venv has no pip of its own (nothing in the sandbox needs one): the system's installs into it.
  await run(python, ['-m', 'pip', '--python', paths.python, 'install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile], what, {
    retriable: true,
  }).catch(async () => {
    // pip older than 22.3 has no --python: the venv's own pip (ensurepip) instead.
    rmSync(paths.venv, { recursive: true, force: true });
    await run(python, ['-m', 'venv', paths.venv], 'crear el entorno de Python del cliente de Spark');
    await run(paths.python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile], what, { retriable: true });
  });
  await run(paths.python, ['-m', 'compileall', '-q', join(paths.venv, 'lib')], 'compilar el cliente de Spark');
  writeFileSync(paths.installedMarker, `${lockHash(paths)}\n`);
  return { installed: true };
}
