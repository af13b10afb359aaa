import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabError } from '@/lab/errors';
import { readServiceStates } from '@/lab/service-state';
import { requestSparkStart } from '@/lab/spark/request';
import { envVar, kafkaBrokers } from '@/lib/env';
import { SPARK_ON_DEMAND_WAIT_MS } from '@/lib/limits';
import { listStudentObjects, previewParquet, type ParquetPreview, type S3Listing } from '@/lib/lab/s3-browser';
import { s3RunEnv, studentS3, type StudentS3Access } from '@/lib/lab/s3-tenants';
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

/** The Spark Connect server runs use (the launcher's CAUCE_SPARK_REMOTE), and its `host:port` (the sandbox's only endpoint). */
export function sparkEndpoint(): { remote: string; hostPort: string } {
  const remote = envVar('CAUCE_SPARK_REMOTE')?.trim() || envVar('SPARK_REMOTE')?.trim() || 'sc://127.0.0.1:15002';
  const match = /^sc:\/\/([^/:;]+|\[[^\]]+\]):(\d+)/.exec(remote);
  return { remote, hostPort: match ? `${match[1]}:${match[2]}` : '127.0.0.1:15002' };
}

/** kafka.bootstrap.servers for the job: the broker as the Spark server reaches it (not the sandbox: it never reaches Kafka). */
export function sparkKafkaBootstrap(): string {
  return envVar('CAUCE_SPARK_KAFKA_BOOTSTRAP')?.trim() || kafkaBrokers().join(',');
}

/** Whether something accepts connections at `host:port` within `timeoutMs`. */
function answers(hostPort: string, timeoutMs: number): Promise<boolean> {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Resolves once the Spark Connect server accepts connections; rejects with a Spanish message
 * otherwise, before any sandbox starts (the client alone would retry for a while first). The
 * embedded server starts on demand: the first run asks the launcher for it (lab/spark/request.ts)
 * and waits, telling the student what the launcher is doing; an external one is only checked.
 * Concurrent runs share one wait.
 */
export function ensureSpark(onWaiting: (message: string) => void = () => undefined): Promise<void> {
  const { hostPort } = sparkEndpoint();
  const embedded = envVar('CAUCE_SPARK_MODE') === 'embedded';
  waiting ??= (async () => {
    const deadline = Date.now() + SPARK_ON_DEMAND_WAIT_MS;
    let asked = false;
    for (;;) {
      if (await answers(hostPort, 2_000)) return;
      const state = readServiceStates().spark;
      if (!embedded) throw new LabError(PYSPARK_MESSAGES.labUnavailable, { retriable: true });
      if (!asked && (!state || state.state === 'stopped' || state.state === 'gave-up')) {
        requestSparkStart();
        asked = true;
      }
      if (Date.now() > deadline) throw new LabError(PYSPARK_MESSAGES.startTimedOut(SPARK_ON_DEMAND_WAIT_MS, state?.reason), { retriable: true });
      for (const listener of listeners) listener(state?.state === 'starting' && state.reason ? `${PYSPARK_MESSAGES.starting} (${state.reason})` : PYSPARK_MESSAGES.starting);
      await sleep(1_000);
    }
  })().finally(() => {
    waiting = undefined;
    listeners.clear();
  });
  listeners.add(onWaiting);
  return waiting;
}

let waiting: Promise<void> | undefined;
const listeners = new Set<(message: string) => void>();

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
