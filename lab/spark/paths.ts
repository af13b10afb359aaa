import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envVar } from '../../lib/env';
import { labRoot, REPO_ROOT } from '../kafka/paths';

/** lab/spark/, where the pom, the jar list, the lock and the guard's sources live (tracked). */
export const SPARK_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Every file the embedded Spark Connect server owns. Mutable state lives under the gitignored .lab/. */
export interface SparkPaths {
  readonly pom: string;
  readonly jarList: string;
  /** The guard's Java sources (lab/spark/guard/cauce/spark/*.java). */
  readonly guardSources: string;
  /** Kafka connector and S3A jars copied by Maven; shared by every server (tests included). */
  readonly libsDir: string;
  /** Compiled guard classes, one folder per source version; beside libsDir. */
  readonly guardDir: string;
  /** The jail's generated passwd and group (jail.ts); beside libsDir. */
  readonly etcDir: string;
  /**
   * The server's state: local dirs, temp, warehouse, logs, pid file. Owned by the server's uid
   * and closed to others (0700), so the shared folders above live beside it, not in it.
   */
  readonly stateDir: string;
  /** spark.local.dir: shuffle and spill files. */
  readonly localDir: string;
  /** java.io.tmpdir: the temporary checkpoints of console and memory sinks, Netty's native libs. */
  readonly tmpDir: string;
  /** spark.sql.warehouse.dir: stays empty (no session may create a table), but Spark wants one. */
  readonly warehouseDir: string;
  readonly logsDir: string;
  readonly pidFile: string;
}

/**
 * @param stateDir @default `<lab root>/spark/server`
 * @param libsDir @default `<lab root>/spark/libs`
 */
export function sparkPaths(stateDir?: string, libsDir?: string): SparkPaths {
  const state = resolve(stateDir ?? join(labRoot(), 'spark', 'server'));
  const libs = resolve(libsDir ?? join(labRoot(), 'spark', 'libs'));
  return {
    pom: join(SPARK_SOURCE_DIR, 'pom.xml'),
    jarList: join(SPARK_SOURCE_DIR, 'jars.txt'),
    guardSources: join(SPARK_SOURCE_DIR, 'guard', 'cauce', 'spark'),
    libsDir: libs,
    guardDir: join(libs, '..', 'guard'),
    etcDir: join(libs, '..', 'etc'),
    stateDir: state,
    localDir: join(state, 'local'),
    tmpDir: join(state, 'tmp'),
    warehouseDir: join(state, 'warehouse'),
    logsDir: join(state, 'logs'),
    pidFile: join(state, 'server.pid'),
  };
}

/** Where the lab's pyspark lives: a venv from the committed lock. */
export interface SparkPythonPaths {
  readonly lockFile: string;
  /**
   * Not under CAUCE_LAB_DIR, like Airflow's and kafka-python's installs: the e2e lab and the tests
   * use their own state folders but share one 450 MB install.
   */
  readonly installDir: string;
  readonly venv: string;
  readonly python: string;
  /** pyspark's jars folder: Spark itself, the server's classpath. */
  readonly sparkJars: string;
  /** SPARK_HOME for the server (pyspark's package folder). */
  readonly sparkHome: string;
  /** Written last: the lock's hash, so a changed lock reinstalls. */
  readonly installedMarker: string;
}

export function sparkPythonPaths(): SparkPythonPaths {
  const installDir = resolve(envVar('CAUCE_SPARK_PYTHON_DIR') ?? join(REPO_ROOT, '.lab', 'spark-python'));
  const venv = join(installDir, 'venv');
  return {
    lockFile: join(SPARK_SOURCE_DIR, 'python', 'requirements.lock'),
    installDir,
    venv,
    python: join(venv, 'bin', 'python'),
    // Looked up when read, not now: on a fresh machine the venv (and its python3.X folder) is
    // made after these paths are.
    get sparkHome() {
      return join(venv, 'lib', sitePython(venv), 'site-packages', 'pyspark');
    },
    get sparkJars() {
      return join(this.sparkHome, 'jars');
    },
    installedMarker: join(installDir, 'installed'),
  };
}

/** The venv's `python3.X` folder (the system Python's minor version), or python3 before the install. */
function sitePython(venv: string): string {
  try {
    return readdirSync(join(venv, 'lib')).find((name) => /^python3\.\d+$/.test(name)) ?? 'python3';
  } catch {
    return 'python3';
  }
}
