import { CauceError } from '@/lib/errors';
import { tooLargeMessage } from './limits.mjs';

/** A body over its limit; `bytesRead` says how much was read before stopping (0: refused by its Content-Length). */
export class BodyTooLargeError extends CauceError {
  constructor(
    readonly limit: number,
    readonly bytesRead: number,
  ) {
    super(tooLargeMessage(limit));
  }
}

/**
 * The body's bytes, refused early: a Content-Length over `limit` before reading anything, a
 * longer stream (chunked, or lying about its length) as soon as the running count passes it.
 * Nothing beyond the limit is kept. The rest is not read; the 413 closes the connection.
 */
export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) throw new BodyTooLargeError(limit, 0);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Not reader.cancel(): on Node that destroys the socket and the 413 would never arrive.
    if (size > limit) throw new BodyTooLargeError(limit, size);
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; response: Response };

/** A route handler's JSON body within `limit`, or the 413/400 to answer with (Spanish message). */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  let bytes: Uint8Array;
  try {
    bytes = await readBodyBytes(request, limit);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return { ok: false, response: Response.json({ ok: false, message: error.message }, { status: 413, headers: { connection: 'close' } }) };
  }
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) };
  } catch {
    return { ok: false, response: Response.json({ ok: false, message: 'El cuerpo de la petición no es JSON válido.' }, { status: 400 }) };
  }
}
