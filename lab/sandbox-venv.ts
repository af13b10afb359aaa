import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { envVar } from '../lib/env';
import { closedParent } from '../lib/sandbox/runtime';
import { run } from './airflow/install';
import { LabError } from './errors';
import type { ProgressListener } from './kafka/download';

/**
 * A Python venv a sandboxed kind binds read-only (kafka-py's kafka-python, pyspark's Spark
 * Connect client): built from a committed lock with hashes, outside CAUCE_LAB_DIR (the e2e lab and
 * the tests use their own state folders but share one install).
 */
export interface SandboxVenvPaths {
  /** Tracked: the lock with hashes every install uses. */
  readonly lockFile: string;
  readonly installDir: string;
  readonly venv: string;
  readonly python: string;
  /** Written last: the lock's hash, so a changed lock reinstalls. */
  readonly installedMarker: string;
}

export function sandboxVenvPaths(installDir: string, lockFile: string): SandboxVenvPaths {
  const venv = join(installDir, 'venv');
  return { lockFile, installDir, venv, python: join(venv, 'bin', 'python'), installedMarker: join(installDir, 'installed') };
}

function lockHash(paths: SandboxVenvPaths): string {
  return createHash('sha256').update(readFileSync(paths.lockFile)).digest('hex');
}

/** True when the venv matches the committed lock. */
export function sandboxVenvInstalled(paths: SandboxVenvPaths): boolean {
  if (!existsSync(paths.installedMarker) || !existsSync(paths.python)) return false;
  return readFileSync(paths.installedMarker, 'utf8').trim() === lockHash(paths);
}

/** How the messages name what is installed, in Spanish. */
export interface SandboxVenvWords {
  /** Who runs in the sandbox: «Los ejemplos de Kafka en Python». */
  readonly runs: string;
  /** What pip installs: «kafka-python 3.0.12». */
  readonly packages: string;
  /** The venv: «de kafka-python» («crear el entorno de Python de kafka-python»). */
  readonly of: string;
}

/** A long install's progress: pip says nothing while it downloads and builds, so it is estimated from the time. */
export interface SandboxVenvProgress {
  readonly onProgress: ProgressListener;
  /** How long a cold install usually takes here; the estimate never reaches the end early. */
  readonly expectedMs: number;
}

/**
 * Idempotent install: a venv from the system's Python (the sandbox binds it read-only, so it
 * must be readable by the sandbox uids) with the lock's packages, hashes checked, bytecode
 * compiled so read-only sandboxes import it without writing.
 */
export async function prepareSandboxVenv(paths: SandboxVenvPaths, words: SandboxVenvWords, progress?: SandboxVenvProgress): Promise<{ installed: boolean }> {
  if (sandboxVenvInstalled(paths)) return { installed: false };
  if (process.getuid?.() === 0) {
    const closed = await closedParent(paths.venv);
    if (closed) {
      throw new LabError(
        `${words.runs} corren en un sandbox, con usuarios sin privilegios que no pueden entrar en ${closed}. ` +
          `Clona Cauce en una carpeta accesible (por ejemplo /srv/cauce) o da paso a esa carpeta con «chmod o+x ${closed}».`,
      );
    }
  }
  const python = envVar('CAUCE_AIRFLOW_PYTHON') ?? '/usr/bin/python3';
  mkdirSync(paths.installDir, { recursive: true });
  chmodSync(paths.installDir, 0o755);
  rmSync(paths.installedMarker, { force: true });
  rmSync(paths.venv, { recursive: true, force: true });
  const makeVenv = `crear el entorno de Python ${words.of}`;
  const install = `instalar ${words.packages} desde ${paths.lockFile}`;
  const pipArgs = ['install', '-q', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', paths.lockFile];
  const label = `Instalando ${words.packages}…`;
  const started = Date.now();
  const ticker =
    progress &&
    setInterval(() => {
      const fraction = 0.95 * Math.min((Date.now() - started) / progress.expectedMs, 0.99);
      progress.onProgress({ fraction, message: `${label} ${Math.floor(fraction * 100)}%` });
    }, 2_000);
  try {
    progress?.onProgress({ fraction: 0, message: `${label} 0%` });
    await run(python, ['-m', 'venv', '--without-pip', paths.venv], makeVenv);
    // The venv has no pip of its own (nothing in the sandbox needs one): the system's installs into it.
    await run(python, ['-m', 'pip', '--python', paths.python, ...pipArgs], install, { retriable: true }).catch(async () => {
      // pip older than 22.3 has no --python: the venv's own pip (ensurepip) instead.
      rmSync(paths.venv, { recursive: true, force: true });
      await run(python, ['-m', 'venv', paths.venv], makeVenv);
      await run(paths.python, ['-m', 'pip', ...pipArgs], install, { retriable: true });
    });
    await run(paths.python, ['-m', 'compileall', '-q', join(paths.venv, 'lib')], `compilar el entorno ${words.of}`);
  } finally {
    clearInterval(ticker);
  }
  writeFileSync(paths.installedMarker, `${lockHash(paths)}\n`);
  progress?.onProgress({ fraction: 1, message: `${label} 100%` });
  return { installed: true };
}
