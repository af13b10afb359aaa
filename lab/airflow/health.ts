/** What GET /api/v2/monitor/health says, reduced to what the site and the launcher need. */
export interface AirflowHealth {
  /** Metadata DB, scheduler, dag-processor and triggerer all report "healthy". */
  readonly ok: boolean;
  /** Component -> status ("healthy", "unhealthy", or missing while it starts). */
  readonly components: Readonly<Record<string, string>>;
  /** Spanish reason when not ok: what failed and what it likely means. */
  readonly error?: string;
  /** The raw cause when not ok (Node's or Airflow's English words), for logs and the badge's tooltip. */
  readonly technical?: string;
}

const COMPONENTS = ['metadatabase', 'scheduler', 'dag_processor', 'triggerer'] as const;

/** How the components are called in the lessons. */
const COMPONENT_NAME: Record<(typeof COMPONENTS)[number], string> = {
  metadatabase: 'base de datos',
  scheduler: 'scheduler',
  dag_processor: 'dag-processor',
  triggerer: 'triggerer',
};

const STATUS_WORDS: Readonly<Record<string, string>> = { unhealthy: 'con problemas', 'sin datos': 'sin estado (¿arrancando?)' };

/**
 * Asks the api-server for the health of every component. Never throws and settles within
 * about timeoutMs, so the site may call it for each status request. The endpoint needs no
 * credentials.
 */
export async function checkAirflow(apiUrl: string, timeoutMs = 3_000): Promise<AirflowHealth> {
  try {
    const response = await fetch(new URL('/api/v2/monitor/health', apiUrl), { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      return {
        ok: false,
        components: {},
        error: `Airflow en ${apiUrl} respondió con un error (HTTP ${response.status})`,
        technical: `HTTP ${response.status} ${response.statusText}`,
      };
    }
    const body = (await response.json()) as Record<string, { status?: string | null } | undefined>;
    const components = Object.fromEntries(COMPONENTS.map((name) => [name, body[name]?.status ?? 'sin datos']));
    const waiting = COMPONENTS.filter((name) => components[name] !== 'healthy');
    if (waiting.length === 0) return { ok: true, components };
    const spanish = waiting.map((name) => `${COMPONENT_NAME[name]} ${STATUS_WORDS[components[name]!] ?? components[name]}`);
    const technical = waiting.map((name) => `${name}: ${body[name]?.status ?? 'no status'}`);
    return { ok: false, components, error: `Airflow aún no está listo: ${spanish.join(', ')}`, technical: technical.join(', ') };
  } catch (error) {
    return { ok: false, components: {}, ...airflowProblem(error, apiUrl, timeoutMs) };
  }
}

/** The fields an error and its causes may carry: fetch wraps Node's socket error (with its `code`) in a TypeError. */
type ErrorFields = { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/** The error, its causes and, for an AggregateError (IPv6 then IPv4), the errors it gathers. */
function causeChain(error: unknown): ErrorFields[] {
  const chain: ErrorFields[] = [];
  const pending = [error];
  while (pending.length > 0 && chain.length < 8) {
    const link = pending.shift();
    if (typeof link !== 'object' || link === null) continue;
    const fields = link as ErrorFields;
    chain.push(fields);
    pending.push(fields.cause, ...(Array.isArray(fields.errors) ? fields.errors : []));
  }
  return chain;
}

/** "1,5 s": the Spanish way, as the badge reads it. */
function seconds(ms: number): string {
  return `${new Intl.NumberFormat('es-ES', { maximumFractionDigits: 1 }).format(ms / 1_000)} s`;
}

/**
 * Why a check failed, in words a student can act on, from what fetch threw (a refused
 * connection, a timeout, an unknown host, something that is not Airflow); the raw cause
 * stays in `technical`. Exported for its unit tests.
 */
export function airflowProblem(error: unknown, apiUrl: string, timeoutMs: number): { error: string; technical: string } {
  const chain = causeChain(error);
  const technical = [...new Set(chain.map((e) => (typeof e.message === 'string' ? e.message : String(e))))].join(': ') || String(error);
  const is = (...marks: string[]) => chain.some((e) => [e.name, e.code].some((field) => typeof field === 'string' && marks.includes(field)));
  const spanish = (): string => {
    if (is('ERR_INVALID_URL')) return `La dirección de Airflow «${apiUrl}» no es válida (revisa AIRFLOW_API_URL)`;
    if (is('ECONNREFUSED')) return `Airflow no acepta conexiones en ${apiUrl} (¿está arrancando o detenido?)`;
    if (is('ENOTFOUND', 'EAI_AGAIN')) return `No se encuentra el servidor de Airflow «${apiUrl}»: revisa la dirección (AIRFLOW_API_URL)`;
    if (is('TimeoutError', 'AbortError', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT')) {
      return `Airflow en ${apiUrl} no respondió en ${seconds(timeoutMs)} (¿está arrancando o muy ocupado?)`;
    }
    if (is('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET')) return `Airflow en ${apiUrl} cerró la conexión sin responder (¿está arrancando o deteniéndose?)`;
    // Not JSON, or not even HTTP: another program holds the port, or the address is not the api-server's.
    if (is('SyntaxError') || chain.some((e) => typeof e.code === 'string' && e.code.startsWith('HPE_'))) {
      return `Lo que responde en ${apiUrl} no es Airflow (¿es la dirección de su api-server?)`;
    }
    return `Airflow en ${apiUrl} no responde como se esperaba`;
  };
  return { error: spanish(), technical };
}
