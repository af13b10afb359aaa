/** What GET /api/v2/monitor/health says, reduced to what the site and the launcher need. */
export interface AirflowHealth {
  /** Metadata DB, scheduler, dag-processor and triggerer all report "healthy". */
  readonly ok: boolean;
  /** Component -> status ("healthy", "unhealthy", or missing while it starts). */
  readonly components: Readonly<Record<string, string>>;
  /** Spanish reason when not ok. */
  readonly error?: string;
}

const COMPONENTS = ['metadatabase', 'scheduler', 'dag_processor', 'triggerer'] as const;

/**
 * Asks the api-server for the health of every component. Never throws and settles within
 * about timeoutMs, so the site may call it for each status request. The endpoint needs no
 * credentials.
 */
export async function checkAirflow(apiUrl: string, timeoutMs = 3_000): Promise<AirflowHealth> {
  try {
    const response = await fetch(new URL('/api/v2/monitor/health', apiUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, components: {}, error: `Airflow respondió ${response.status} en ${apiUrl}.` };
    const body = (await response.json()) as Record<string, { status?: string | null } | undefined>;
    const components = Object.fromEntries(COMPONENTS.map((name) => [name, body[name]?.status ?? 'sin datos']));
    const waiting = COMPONENTS.filter((name) => components[name] !== 'healthy');
    return waiting.length === 0
      ? { ok: true, components }
      : { ok: false, components, error: `Airflow aún no está listo: ${waiting.map((c) => `${c} ${components[c]}`).join(', ')}.` };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, components: {}, error: `Airflow no responde en ${apiUrl}: ${reason}` };
  }
}
