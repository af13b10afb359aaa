import { CauceError } from '@/lib/errors';
import { envVar, type EnvSource } from '@/lib/env';

/**
 * The lab's Airflow (or an external one) over its REST API: where "Enviar al scheduler" sends
 * DAGs and how their runs are followed. The sending itself is lib/runs/airflow/scheduler.ts.
 */
/** Where "Enviar al scheduler" sends DAGs: the lab's real Airflow (or an external one). */
export interface SchedulerTarget {
  /** REST base, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** Base of the links shown to students. @default apiUrl */
  uiUrl: string;
  username: string;
  password: string;
  /** The DAG folder the dag-processor reads (shared with this server). */
  dagsDir: string;
}

/** A Spanish, student-facing failure of sending or polling; retriable when Airflow may answer later. */
export class SchedulerError extends CauceError {}

/** From the variables the launcher gives the site (AIRFLOW_API_URL, credentials, DAG folder). */
export function schedulerTargetFromEnv(source?: EnvSource): SchedulerTarget {
  const apiUrl = envVar('AIRFLOW_API_URL', source)?.trim();
  const dagsDir = envVar('AIRFLOW_DAGS_DIR', source)?.trim();
  if (!apiUrl || !dagsDir) {
    throw new SchedulerError('El envío al scheduler no está configurado en este servidor (faltan AIRFLOW_API_URL y AIRFLOW_DAGS_DIR).');
  }
  return {
    apiUrl,
    uiUrl: envVar('AIRFLOW_UI_URL', source)?.trim() || apiUrl,
    username: envVar('AIRFLOW_USERNAME', source) ?? 'admin',
    password: envVar('AIRFLOW_PASSWORD', source) ?? '',
    dagsDir,
  };
}

/** The few REST calls we need, with a token from POST /auth/token (refreshed on 401). */
export class AirflowApi {
  private token: string | undefined;

  constructor(private readonly target: SchedulerTarget) {}

  async request(method: string, route: string, body?: unknown, allowed: number[] = []): Promise<unknown> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await this.fetch(method, route, body, await this.bearer());
      if (response.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (allowed.includes(response.status)) return undefined;
      if (!response.ok) {
        const detail = await response.text().catch(() => '');
        throw new SchedulerError(`Airflow respondió ${response.status} a ${method} ${route}: ${detail.slice(0, 300)}`, { retriable: response.status >= 500 });
      }
      return response.status === 204 ? undefined : response.json();
    }
    throw new SchedulerError('Airflow rechazó las credenciales del laboratorio (AIRFLOW_USERNAME / AIRFLOW_PASSWORD).');
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    const response = await this.fetch('POST', '/auth/token', { username: this.target.username, password: this.target.password });
    if (!response.ok) throw new SchedulerError('Airflow rechazó las credenciales del laboratorio (AIRFLOW_USERNAME / AIRFLOW_PASSWORD).');
    this.token = ((await response.json()) as { access_token: string }).access_token;
    return this.token;
  }

  private async fetch(method: string, route: string, body: unknown, token?: string): Promise<Response> {
    try {
      return await fetch(new URL(route, this.target.apiUrl), {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new SchedulerError(`Airflow no responde en ${this.target.apiUrl}. Vuelve a intentarlo en un momento.`, { retriable: true, cause });
    }
  }
}
