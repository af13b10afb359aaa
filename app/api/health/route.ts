export const dynamic = 'force-dynamic';

/** Liveness of the site itself (the lab's state has its own endpoint). */
export function GET() {
  return Response.json({ ok: true });
}
