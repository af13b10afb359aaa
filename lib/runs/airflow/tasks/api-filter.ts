import type { HttpRelayFilter } from '@/lib/sandbox/network';

/** Execution API routes whose first segment after the resource is a DAG id. */
const DAG_IN_PATH = new Set(['xcoms', 'dags', 'dag-runs']);
/** Routes that name their DAG in the query instead (`?dag_id=`). */
const DAG_IN_QUERY: Record<string, Set<string>> = {
  'dag-runs': new Set(['count', 'previous']),
  'task-instances': new Set(['count', 'states', 'breadcrumbs']),
};

/**
 * What a student's task may ask the api-server through its relay: the Execution API only
 * (not the REST API, the UI or /auth/token), and of it, only routes about that student's
 * own DAGs (`<student>__…`): no reading or writing another student's XComs, no triggering
 * or clearing their runs. Routes about the task's own instance are scoped by its token.
 * Variables are global in Airflow 3.3 (single team, no per-DAG access), so one student's task
 * could set a value another student's DAG reads, or read theirs: a task writes only variables
 * named `<student>__…`, and reads its own or unprefixed ones (which then never exist: the lab
 * defines none, so Variable.get(..., default) behaves as at home); listing the keys is refused.
 * Connections: the lab defines none and tasks cannot create them.
 */
export function studentApiFilter(student: string): HttpRelayFilter & Required<Pick<HttpRelayFilter, 'allow'>> {
  const own = (dagId: string | undefined) => dagId !== undefined && dagId.startsWith(`${student}__`);
  return {
    key: student,
    allow(method, url) {
      const segments = decodedSegments(url.pathname);
      if (!segments || segments[0] !== 'execution') return false;
      const [, resource, first, second] = segments;
      if (resource === 'variables') return variableAllowed(method, segments.slice(2).join('/'), own);
      const queried = url.searchParams.getAll('dag_id');
      if (!queried.every(own)) return false;
      if (resource && first && DAG_IN_QUERY[resource]?.has(first)) return queried.length > 0;
      if (resource === 'task-instances' && first === 'previous') return own(second);
      if (resource && DAG_IN_PATH.has(resource)) return own(first);
      return true;
    },
  };
}

/** A namespace like another student's: `<name>__…`, as sendToScheduler prefixes DAG ids. */
const NAMESPACED = /^[a-z0-9_]{1,32}__/;

function variableAllowed(method: string, key: string, own: (name: string) => boolean): boolean {
  if (key === '' || key === 'keys') return false;
  if (method === 'GET' || method === 'HEAD') return own(key) || !NAMESPACED.test(key);
  return own(key);
}

/** Path segments as the server will route them, or null for anything ambiguous. */
function decodedSegments(pathname: string): string[] | null {
  const segments = pathname.split('/').slice(1);
  try {
    const decoded = segments.map((segment) => decodeURIComponent(segment));
    // An encoded slash or a dot segment would make the server see other segments than we did.
    if (decoded.some((segment, i) => segment.includes('/') || segment === '.' || segment === '..' || (segment === '' && i < decoded.length - 1))) return null;
    return decoded;
  } catch {
    return null;
  }
}
