import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envVar } from '../../lib/env';
import { labRoot, REPO_ROOT } from '../kafka/paths';

/** lab/airflow/, where the tracked lock file and the worker script live. */
export const AIRFLOW_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Every file the Airflow lab owns. Mutable state lives under the gitignored .lab/. */
export interface AirflowPaths {
  /** Tracked: what we ask for (apache-airflow pinned exactly). */
  readonly requirementsIn: string;
  /** Tracked: the resolved lock with hashes that every install uses. */
  readonly lockFile: string;
  /** Tracked: the warm DAG worker, bound read-only into each sandbox. */
  readonly workerDir: string;
  /** Tracked: cauce_executor.py, put on the components' PYTHONPATH (AIRFLOW__CORE__EXECUTOR). */
  readonly executorDir: string;
  /**
   * The installation (venv, uv, template DB). Not under CAUCE_LAB_DIR on purpose: the e2e lab
   * and tests use their own state folders but share one 200 MB install.
   */
  readonly installDir: string;
  readonly bootstrapVenv: string;
  readonly venv: string;
  readonly python: string;
  readonly airflowBin: string;
  /** Pre-migrated SQLite metadata DB copied by every warm worker (readable by sandbox uids). */
  readonly templateDir: string;
  readonly templateDb: string;
  /** Written last by prepare: the lock hash it installed, so a changed lock reinstalls. */
  readonly installedMarker: string;
  /** The real Airflow's state, owned by root: secrets, pid file, and home below. */
  readonly stateDir: string;
  /** AIRFLOW_HOME (metadata DB, logs, DAG folder), owned by the uid Airflow runs as. */
  readonly home: string;
  readonly dagsDir: string;
  readonly logsDir: string;
  readonly secretsFile: string;
  readonly passwordsFile: string;
  readonly pidFile: string;
  /**
   * Where the site's task launcher listens (lib/runs/airflow/tasks/launcher.ts): in the
   * root-owned state folder, outside AIRFLOW_HOME and never bound into a sandbox.
   */
  readonly taskLauncherSocket: string;
}

/** `$CAUCE_AIRFLOW_INSTALL_DIR`, else `<repo>/.lab/airflow`. */
function installRoot(): string {
  return resolve(/*turbopackIgnore: true*/ envVar('CAUCE_AIRFLOW_INSTALL_DIR') ?? join(REPO_ROOT, '.lab', 'airflow'));
}

/** @param stateDir the real Airflow's state. @default `<lab root>/airflow` */
export function airflowPaths(stateDir?: string): AirflowPaths {
  const install = installRoot();
  const venv = join(install, 'venv');
  const state = resolve(/*turbopackIgnore: true*/ stateDir ?? join(labRoot(), 'airflow'));
  const home = join(state, 'home');
  return {
    requirementsIn: join(AIRFLOW_SOURCE_DIR, 'requirements.in'),
    lockFile: join(AIRFLOW_SOURCE_DIR, 'requirements.lock'),
    workerDir: join(AIRFLOW_SOURCE_DIR, 'worker'),
    executorDir: join(AIRFLOW_SOURCE_DIR, 'executor'),
    installDir: install,
    bootstrapVenv: join(install, 'bootstrap'),
    venv,
    python: join(venv, 'bin', 'python'),
    airflowBin: join(venv, 'bin', 'airflow'),
    templateDir: join(install, 'template'),
    templateDb: join(install, 'template', 'airflow.db'),
    installedMarker: join(install, 'installed'),
    stateDir: state,
    home,
    dagsDir: join(home, 'dags'),
    logsDir: join(home, 'logs'),
    // Outside AIRFLOW_HOME: task code run by the real scheduler must not read the keys.
    secretsFile: join(state, 'secrets.json'),
    passwordsFile: join(home, 'simple_auth_manager_passwords.json.generated'),
    pidFile: join(state, 'airflow.pids'),
    taskLauncherSocket: join(state, 'tasks', 'launcher.sock'),
  };
}

/** Identifies an installation: a hash of the committed lock it was installed from. */
export function lockHash(paths: AirflowPaths): string {
  return createHash('sha256').update(readFileSync(paths.lockFile)).digest('hex').slice(0, 16);
}
