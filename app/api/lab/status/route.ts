import { labStatusForBadge } from '@/lib/lab/status';

export const dynamic = 'force-dynamic';

/** Whether the lab's services answer; polled by the status badge on every lesson page. */
export async function GET() {
  return Response.json(await labStatusForBadge(), { headers: { 'cache-control': 'no-store' } });
}
