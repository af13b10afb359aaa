/**
 * The site's front door: scripts/serve-next.mjs passes every request through `guardRequest`
 * before Next sees it, so pages, route handlers and server actions get the same checks, and a
 * refused body is never read. Plain JavaScript because plain Node loads it before Next starts
 * (types in front-door.d.mts).
 *
 * Not a Next proxy.ts: with one, Next copies every POST body for it (up to 10 MB, twice) and
 * waits for the whole body before answering; and a proxy cannot see the peer's address, which
 * the access token needs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import { MAX_BODY_BYTES, tooLargeMessage } from './limits.mjs';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '[::]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN_PARAM = 'acceso';
const TOKEN_COOKIE = 'cauce_acceso';
const TOKEN_COOKIE_SECONDS = 12 * 60 * 60; // a school day; the token changes at every start anyway

export function isLoopbackAddress(address) {
  const bare = (address ?? '').replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  return bare === '::1' || bare === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/** An address as it appears in a Host header: lower case, IPv6 in brackets. */
function hostName(address) {
  const lower = address.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Where this machine reaches a site listening on `host`. */
export function localUrl(host, port) {
  return EVERY_INTERFACE.has(host) || ['127.0.0.1', 'localhost'].includes(host) ? `http://localhost:${port}` : `http://${hostName(host)}:${port}`;
}

function machineAddresses() {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i && !i.internal);
}

// Plain JavaScript loaded before any TypeScript (serve-next.mjs): CAUCE_ALLOWED_HOSTS, CAUCE_MODE and CAUCE_TRUST_PROXY are read raw, declared in lib/env.ts.
export function frontDoor({ host = '127.0.0.1', port, env = process.env }) {
  const everywhere = EVERY_INTERFACE.has(host);
  const names = [...LOOPBACK_NAMES, ...(everywhere ? [os.hostname(), ...machineAddresses().map((i) => i.address)] : [host])];
  const allowedHosts = new Set();
  for (const name of names.map(hostName)) allowedHosts.add(name).add(`${name}:${port}`);
  for (const entry of (env.CAUCE_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)) {
    allowedHosts.add(entry);
    if (!/^(\[[^\]]+\]|[^:]+):\d+$/.test(entry)) allowedHosts.add(`${entry}:${port}`);
  }
  // Other machines reach a single-user site only with the token; a course has its own sign-in.
  const accessToken = !isLoopbackAddress(host) && env.CAUCE_MODE !== 'course' ? randomBytes(18).toString('base64url') : null;
  // Behind a reverse proxy the socket's address is the proxy's: only then is X-Forwarded-For
  // believed (anyone can send the header, and rate limits key on the address).
  const trustProxy = env.CAUCE_TRUST_PROXY === '1';
  return { host, port, allowedHosts, accessToken, trustProxy, urls: publicUrls(host, port), localUrl: localUrl(host, port) };
}

/** The header Next reads for who is asking (lib/auth/current.ts `clientAddress`); always ours. */
export const CLIENT_HEADER = 'x-cauce-client';

/** Who is asking: the socket's address, or the proxy's X-Forwarded-For when the proxy is trusted. */
function clientOf(door, req) {
  const forwarded = door.trustProxy ? firstValue(req.headers['x-forwarded-for'])?.split(',')[0]?.trim() : undefined;
  return forwarded || req.socket.remoteAddress || 'local';
}

/** The addresses other machines use (to print at start); none on loopback. */
function publicUrls(host, port) {
  if (isLoopbackAddress(host)) return [];
  if (!EVERY_INTERFACE.has(host)) return [`http://${hostName(host)}:${port}`];
  const addresses = machineAddresses()
    .filter((i) => i.family === 'IPv4')
    .map((i) => i.address);
  return (addresses.length > 0 ? addresses : [os.hostname()]).map((address) => `http://${address}:${port}`);
}

/** The lines to print at start when other machines can connect (none on loopback). */
export function announcement(door) {
  return door.urls.map((url) => (door.accessToken ? `Acceso desde otras máquinas: ${url}/?${TOKEN_PARAM}=${door.accessToken}` : `Abierto a otras máquinas (modo curso): ${url}/`));
}

/**
 * Why a state-changing request is refused (a Spanish message), or null if it may pass. It must
 * name its Origin, and that origin's host must be the host the request was sent to: browsers send
 * Origin on every POST (fetch, forms, server actions), so only a cross-site page or a script that
 * forgot it lacks one.
 */
export function originProblem(method, origin, host) {
  if (SAFE_METHODS.has((method ?? 'GET').toUpperCase())) return null;
  if (!origin || origin === 'null') return 'Petición rechazada: no indica desde qué página se envía (falta la cabecera Origin).';
  let originHost = '';
  try {
    originHost = new URL(origin).host;
  } catch {
    // not a URL: refused below
  }
  return originHost !== '' && originHost === (host ?? '').toLowerCase() ? null : 'Petición rechazada: viene de otro origen.';
}

function firstValue(header) {
  return (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim().toLowerCase();
}

function sameToken(given, expected) {
  if (!given || !expected) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(header, name) {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** The request's path and query; null for a malformed target (a throw here would end the server). */
function requestUrl(req) {
  try {
    return new URL(req.url ?? '/', 'http://cauce');
  } catch {
    return null;
  }
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const ACCESS_PAGE =
  'Este Cauce solo se abre desde otras máquinas con su enlace de acceso. Pídeselo a quien lo arrancó: aparece en su terminal, en la línea «Acceso desde otras máquinas».';

/** A refusal: JSON like the route handlers' for /api/, a small page for a browser. Closes the
 * connection, so an unread body is dropped rather than drained. */
function refuse(req, res, status, message) {
  const api = (req.url ?? '').startsWith('/api/');
  res.writeHead(status, {
    'content-type': api ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(api ? JSON.stringify({ ok: false, message }) : `<!doctype html><html lang="es"><meta charset="utf-8"><title>Cauce</title><p>${escapeHtml(message)}</p></html>`);
  return true;
}

/**
 * Answers the request itself when it may not reach Next (true), else leaves it alone (false).
 * First it stamps who is asking (CLIENT_HEADER, replacing any sent). In order: every Host it names is allowed (DNS rebinding); a visitor from another machine
 * brings the access token; a state-changing request comes from this site's own pages; and its
 * announced body fits the largest limit.
 */
export function guardRequest(door, req, res) {
  req.headers[CLIENT_HEADER] = clientOf(door, req);
  const host = firstValue(req.headers.host) ?? '';
  const forwardedHost = firstValue(req.headers['x-forwarded-host']);
  for (const name of [host, forwardedHost]) {
    if (name !== undefined && !door.allowedHosts.has(name)) {
      return refuse(req, res, 421, `Cauce no atiende peticiones dirigidas a «${name || 'ningún nombre'}». Entra por ${door.localUrl} o añade ese nombre a CAUCE_ALLOWED_HOSTS.`);
    }
  }

  if (door.accessToken && !isLoopbackAddress(req.socket.remoteAddress) && !sameToken(cookie(req.headers.cookie, TOKEN_COOKIE), door.accessToken)) {
    const url = requestUrl(req);
    if (!url || !['GET', 'HEAD'].includes(req.method ?? '') || !sameToken(url.searchParams.get(TOKEN_PARAM), door.accessToken)) {
      return refuse(req, res, 401, ACCESS_PAGE);
    }
    // The token goes into an httpOnly cookie and out of the address bar (and of any Referer).
    url.searchParams.delete(TOKEN_PARAM);
    res.writeHead(303, {
      location: url.pathname + url.search,
      'set-cookie': `${TOKEN_COOKIE}=${door.accessToken}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${TOKEN_COOKIE_SECONDS}`,
      'cache-control': 'no-store',
    });
    res.end();
    return true;
  }

  const originRefusal = originProblem(req.method, firstValue(req.headers.origin), forwardedHost ?? host);
  if (originRefusal) return refuse(req, res, 403, originRefusal);

  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return refuse(req, res, 413, tooLargeMessage(MAX_BODY_BYTES));
  return false;
}
