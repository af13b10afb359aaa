/**
 * CSRF guard for custom POST route handlers (server actions get the same check from Next):
 * a browser always sends Origin on a cross-site POST, so an Origin whose host differs from the
 * Host (or X-Forwarded-Host behind a proxy) is refused. Requests without Origin (curl, scripts,
 * benchmarks) are not cross-site requests from a browser and pass.
 */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  if (origin === 'null') return false;
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() || request.headers.get('host');
  try {
    return host !== null && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function crossOriginRefused(): Response {
  return Response.json({ ok: false, message: 'Petición rechazada: viene de otro origen.' }, { status: 403 });
}
