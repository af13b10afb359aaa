import { SparkUnavailableError } from '@/lab/errors';
import { kafkaBrokers } from '@/lib/env';
import { SPARK_ON_DEMAND_WAIT_MS } from '@/lib/limits';
import { listStudentObjects, previewParquet, type ParquetPreview, type S3Listing } from '@/lib/lab/s3-browser';
import { s3RunEnv, studentS3, type StudentS3Access } from '@/lib/lab/s3-tenants';
import { ensureSparkRunning, sparkEndpoint as labSparkEndpoint } from '@/lib/lab/spark-status';
import { PYSPARK_MESSAGES } from './messages';

/**
 * The one place a pyspark run meets the lab's Spark Connect server and S3 store (lab/spark/,
 * lab/s3/, lib/lab/s3-*.ts): where the server is, the Kafka address as the server sees it, and
 * the student's S3 access and listing. Everything else of the run (lib/runs/pyspark/execute.ts)
 * depends on these few functions only.
 */

/** A student's S3 view (lib/lab/s3-tenants.ts). */
export type PysparkS3Access = StudentS3Access;

/** One listing of the student's prefix (the first objects, by key). */
export type PysparkS3Listing = S3Listing;

/** The first rows of one of the student's Parquet objects (JSON-safe values). */
export type PysparkParquetPreview = ParquetPreview;

/** The Spark Connect server runs use (lib/lab/spark-status.ts), and its `host:port`: the sandbox's only endpoint. */
export function sparkEndpoint(): { remote: string; hostPort: string } {
  const where = labSparkEndpoint();
  if (!where) throw new SparkUnavailableError(PYSPARK_MESSAGES.labUnavailable);
  return { remote: where.remote, hostPort: `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}` };
}

/** kafka.bootstrap.servers for the job: the broker as the Spark server reaches it (not the sandbox: it never reaches Kafka). */
export function sparkKafkaBootstrap(): string {
  return labSparkEndpoint()?.kafkaBootstrap ?? kafkaBrokers().join(',');
}

/**
 * Resolves once the lab's Spark Connect server answers, starting it on demand
 * (lib/lab/spark-status.ts), with the launcher's progress as the run's status; rejects in
 * Spanish, or when the run is stopped meanwhile. The run's wall clock starts after this wait.
 */
export function ensureSpark(onStatus: (message: string) => void, signal?: AbortSignal): Promise<void> {
  return ensureSparkRunning({ timeoutMs: SPARK_ON_DEMAND_WAIT_MS, onStatus, signal });
}

/**
 * The student's S3 access (their identity on the embedded store is made on first use, the
 * store started on demand). Throws S3UnavailableError, in Spanish, when this server has no store.
 */
export function studentS3Access(student: string): Promise<PysparkS3Access> {
  return studentS3(student);
}

/** The student's prefix as it is now (the first objects), with their own key. */
export function listStudentPrefix(access: PysparkS3Access): Promise<PysparkS3Listing> {
  return listStudentObjects(access);
}

/** The sandbox's S3 variables for the job's code (AWS_*, S3_BUCKET, S3_PREFIX). */
export function s3Env(access: PysparkS3Access): Record<string, string> {
  return s3RunEnv(access);
}

/** A preview of a Parquet object under the student's prefix (refused, in Spanish, for any other key). */
export function previewStudentObject(access: PysparkS3Access, key: string): Promise<PysparkParquetPreview> {
  return previewParquet(access, key);
}
