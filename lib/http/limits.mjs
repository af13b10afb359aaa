/**
 * How large a request body may be, in one place (STYLE.md §12), with the reason for each number.
 * Plain JavaScript because next.config.mjs and the front door (front-door.mjs, loaded by
 * scripts/serve-next.mjs before Next starts) import it without a TypeScript loader; route
 * handlers get its types from limits.d.mts.
 */

/**
 * A request that carries a run's code: POST /api/runs and the server actions startRun, saveEdits
 * and "Enviar al scheduler". 64 KB of code at most (MAX_RUN_BYTES, lib/limits.ts) plus
 * room for JSON escaping (quotes, newlines and tabs take two bytes), file names and lesson ids.
 * limits.spec.ts keeps this above the code limit, so a valid run is never cut off here.
 */
export const CODE_BODY_LIMIT = 96 * 1024;

/** POST /api/session {codigo, nombre}: a join code and a name, a few dozen bytes each. */
export const SESSION_BODY_LIMIT = 4 * 1024;

/** The largest body anything on the site accepts: the front door refuses a larger Content-Length. */
export const MAX_BODY_BYTES = Math.max(CODE_BODY_LIMIT, SESSION_BODY_LIMIT);

/** The Spanish answer to a body over `limit` bytes. */
export function tooLargeMessage(limit) {
  return `La petición es demasiado grande (máximo ${Math.round(limit / 1024)} KB).`;
}
