import { envVar } from '../../lib/env';
import type { ProgressListener } from '../kafka/download';
import { serviceStates } from '../service-state';
import { Supervisor } from '../supervisor';
import { checkAirflow } from './health';
import { AirflowServer, type AirflowServerOptions } from './server';
import { AIRFLOW_VERSION } from './version';

export interface StartAirflowOptions {
  /** Install progress ("Instalando Airflow 3.3.2… 40%"). @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines (credentials, restarts, external mode). @default console.log */
  readonly log?: (message: string) => void;
  /** How long the first start may take to become healthy. @default 180000 */
  readonly healthTimeoutMs?: number;
  /** Passed to the embedded server (port, homeDir, onLog…). */
  readonly server?: AirflowServerOptions;
}

export interface RunningAirflow {
  readonly mode: 'embedded' | 'external';
  /** Base URL of the REST API and the UI, e.g. http://127.0.0.1:8080. */
  readonly apiUrl: string;
  /** Variables the site needs (AIRFLOW_API_URL, credentials, DAG folder). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops what was started (nothing in external mode). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Brings Airflow up for the site: with AIRFLOW_API_URL set it starts nothing and only checks
 * that Airflow ("modo externo"); otherwise it installs the lab's Airflow if needed, starts
 * api-server, scheduler, dag-processor and triggerer under a Supervisor and waits until the
 * health endpoint reports them all healthy.
 */
export async function startAirflow(options: StartAirflowOptions = {}): Promise<RunningAirflow> {
  const log = options.log ?? ((message: string) => console.log(message));
  const external = envVar('AIRFLOW_API_URL')?.trim();
  if (external) {
    const health = await checkAirflow(external, 5_000);
    log(health.ok ? `Modo externo: Airflow disponible en ${external}.` : `Modo externo: ${health.error}. El sitio arranca igualmente.`);
    const env: Record<string, string> = { AIRFLOW_API_URL: external, CAUCE_AIRFLOW_MODE: 'external' };
    for (const key of ['AIRFLOW_USERNAME', 'AIRFLOW_PASSWORD', 'AIRFLOW_DAGS_DIR', 'AIRFLOW_UI_URL'] as const) {
      const value = envVar(key);
      if (value) env[key] = value;
    }
    return { mode: 'external', apiUrl: external, env, stop: async () => undefined };
  }

  const server = new AirflowServer(options.server);
  const { credentialsCreated } = await server.prepare(options.onProgress);
  log(`Arrancando Airflow ${AIRFLOW_VERSION} (api-server, scheduler, dag-processor, triggerer)…`);
  const { username, password } = server.credentials;
  const supervisor = new Supervisor(server, { log, healthTimeoutMs: options.healthTimeoutMs ?? 180_000 });
  serviceStates().set('airflow', 'starting');
  serviceStates().follow('airflow', supervisor);
  await supervisor.start();
  log(
    `Airflow ${AIRFLOW_VERSION} listo: ${server.apiUrl}  (usuario ${username}, contraseña ${password}` +
      `${credentialsCreated ? ', generada ahora' : ''}; guardada en ${server.paths.secretsFile})`,
  );
  let stopping: Promise<void> | undefined;
  return {
    mode: 'embedded',
    apiUrl: server.apiUrl,
    env: {
      AIRFLOW_API_URL: server.apiUrl,
      AIRFLOW_UI_URL: `http://localhost:${server.port}`,
      AIRFLOW_USERNAME: username,
      AIRFLOW_PASSWORD: password,
      AIRFLOW_DAGS_DIR: server.paths.dagsDir,
      CAUCE_AIRFLOW_MODE: 'embedded',
      CAUCE_AIRFLOW_INSTALL_DIR: server.paths.installDir,
      // The site's task launcher: where to listen, what to bind, whose files the logs become.
      CAUCE_TASK_LAUNCHER_SOCKET: server.paths.taskLauncherSocket,
      AIRFLOW_LOGS_DIR: server.paths.logsDir,
      ...(server.uid === undefined ? {} : { CAUCE_AIRFLOW_UID: String(server.uid) }),
    },
    stop: () => (stopping ??= supervisor.stop().finally(() => serviceStates().set('airflow', 'stopped'))),
  };
}
