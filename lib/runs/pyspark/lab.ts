import { kafkaBrokers } from '@/lib/env';

/**
 * The one place a pyspark run meets the lab's Spark Connect server and S3 store (lab/spark/,
 * lab/s3/, lib/lab/s3-*.ts): where the server is, the Kafka address as the server sees it, and
 * the student's S3 access and listing. Everything else of the run (lib/runs/pyspark/execute.ts)
 * depends on these few functions only.
 */

/** A student's S3 view, as lib/lab/s3-tenants.ts gives it. */
export interface PysparkS3Access {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
  /** `alumnos/<slug>/`. */
  readonly prefix: string;
}

/** One listing of the student's prefix (the first objects, by key). */
export interface PysparkS3Listing {
  readonly bucket: string;
  readonly prefix: string;
  readonly objects: readonly { key: string; size: number }[];
}

/** The Spark Connect server runs use, and its `host:port` (the sandbox's only endpoint). */
export function sparkEndpoint(): { remote: string; hostPort: string } {
  const remote = process.env.CAUCE_SPARK_REMOTE?.trim() || process.env.SPARK_REMOTE?.trim() || 'sc://127.0.0.1:15002';
  const match = /^sc:\/\/([^/:;]+|\[[^\]]+\]):(\d+)/.exec(remote);
  return { remote, hostPort: match ? `${match[1]}:${match[2]}` : '127.0.0.1:15002' };
}

/** kafka.bootstrap.servers for the job: the broker as the Spark server reaches it (not the sandbox: it never reaches Kafka). */
export function sparkKafkaBootstrap(): string {
  return process.env.CAUCE_SPARK_KAFKA_BOOTSTRAP?.trim() || kafkaBrokers().join(',');
}

/**
 * Starts the lab's Spark Connect server if it is started on demand and waits until it answers;
 * resolves at once in external mode or when it is up. Rejects with a Spanish message.
 */
export async function ensureSpark(): Promise<void> {
  // lab/spark's on-demand start lands with the spark-server branch; until then the server must be up.
}

/** The student's S3 access, or undefined when this server has no S3 store. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- replaced by lib/lab/s3-tenants.ts when the s3-store branch lands
export async function studentS3Access(_student: string): Promise<PysparkS3Access | undefined> {
  return undefined; // lib/lab/s3-tenants.ts (s3-store branch)
}

/** The student's prefix as it is now, or undefined when it cannot be listed. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- replaced by lib/lab/s3-browser.ts when the s3-store branch lands
export async function listStudentPrefix(_access: PysparkS3Access): Promise<PysparkS3Listing | undefined> {
  return undefined; // lib/lab/s3-browser.ts (s3-store branch)
}

/** The sandbox's S3 variables for the job's code (AWS_*, S3_BUCKET, S3_PREFIX). */
export function s3Env(access: PysparkS3Access): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: access.endpoint,
    AWS_ACCESS_KEY_ID: access.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.secretAccessKey,
    S3_BUCKET: access.bucket,
    S3_PREFIX: access.prefix,
  };
}

/** The first rows of one of the student's Parquet objects (JSON-safe values). */
export interface PysparkParquetPreview {
  readonly key: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  readonly totalRows: number;
}

/** A preview of a Parquet object under the student's prefix, or undefined when the store cannot be read. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- replaced by lib/lab/s3-browser.ts when the s3-store branch lands
export async function previewStudentObject(_access: PysparkS3Access, _key: string): Promise<PysparkParquetPreview | undefined> {
  return undefined; // lib/lab/s3-browser.ts (s3-store branch)
}
