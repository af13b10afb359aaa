import { hadoopStatus, requestHadoop } from '@/lib/lab/hadoop-status';

export const dynamic = 'force-dynamic';

/** The cluster summary (components, HDFS, YARN) a Hadoop lesson polls; 404 when this site has no Hadoop. */
export async function GET() {
  const status = await hadoopStatus();
  if (!status) return Response.json({ error: 'Este sitio no tiene Hadoop configurado.' }, { status: 404 });
  return Response.json(status, { headers: { 'cache-control': 'no-store' } });
}

/** A Hadoop lesson asks the lab to start its cluster (on demand); nothing when it already runs. */
export async function POST() {
  return Response.json({ requested: await requestHadoop() });
}
