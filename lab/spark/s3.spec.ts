/**
 * The Spark server against the lab's real S3 store (SeaweedFS): a student's session writes and
 * reads Parquet, batch and streaming with a checkpoint, under their own prefix with their own
 * keys, through the server's fixed endpoint; another student's keys are refused there by the
 * store. One store and one Spark server for the file.
 */
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempStateDir } from '../kafka/test-helpers';
import { putStudentIdentity, studentS3Identity, type StudentS3Identity } from '../s3/identities';
import { S3_SPEC_SETUP_MS, startTestStore } from '../s3/test-helpers';
import { Supervisor } from '../supervisor';
import { SparkServer } from './server';
import { freeSparkPort, runClient } from './test-helpers';

const MINUTE = 60_000;

describe('Spark con el almacén S3 del laboratorio', () => {
  const root = tempStateDir('spark-s3');
  let store: Awaited<ReturnType<typeof startTestStore>>;
  let spark: Supervisor;
  let server: SparkServer;
  let ana: StudentS3Identity;
  let bruno: StudentS3Identity;

  beforeAll(async () => {
    chmodSync(root, 0o755); // the server's own uid passes through it to its state folder
    store = await startTestStore();
    ana = studentS3Identity('ana-spark@example.com', store.store.admin);
    bruno = studentS3Identity('bruno-spark@example.com', store.store.admin);
    await Promise.all([putStudentIdentity(store.store.filerUrl, store.store.endpoint, ana), putStudentIdentity(store.store.filerUrl, store.store.endpoint, bruno)]);
    server = new SparkServer({ port: await freeSparkPort(), stateDir: join(root, 'server'), kafkaBootstrap: '127.0.0.1:9', s3Endpoint: store.store.endpoint });
    await server.prepare();
    spark = new Supervisor(server, { log: () => undefined, healthTimeoutMs: 2 * MINUTE });
    await spark.start();
  }, S3_SPEC_SETUP_MS);

  afterAll(async () => {
    await spark?.stop();
    await store?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** A session that brings a student's keys, as the lesson's builder does. */
  const as = (who: StudentS3Identity) => `
spark.conf.set("fs.s3a.access.key", "${who.credentials.accessKeyId}")
spark.conf.set("fs.s3a.secret.key", "${who.credentials.secretAccessKey}")
`;
  const base = (who: StudentS3Identity) => `s3a://${who.bucket}/${who.prefix}`;

  it('el alumno escribe y lee Parquet bajo su prefijo, por lotes y en streaming con checkpoint', { timeout: 3 * MINUTE }, async () => {
    const attempts = await runClient(
      server.remote,
      `${as(ana)}
attempt("batch", lambda: spark.range(10).write.mode("overwrite").parquet("${base(ana)}lotes") or spark.read.parquet("${base(ana)}lotes").count())
import time
def stream():
    q = (spark.readStream.format("rate").option("rowsPerSecond", 5).load()
         .writeStream.format("parquet").option("checkpointLocation", "${base(ana)}checkpoint")
         .trigger(processingTime="2 seconds").start("${base(ana)}stream"))
    deadline = time.time() + 90
    while time.time() < deadline and not any((p.numInputRows or 0) > 0 for p in q.recentProgress):
        time.sleep(1)
    q.stop()
    return spark.read.parquet("${base(ana)}stream").count()
attempt("stream", stream)
`,
      4 * MINUTE,
    );
    expect(attempts.get('batch')).toMatchObject({ ok: true, result: '10' });
    expect(attempts.get('stream')?.ok, attempts.get('stream')?.message).toBe(true);
    expect(Number(attempts.get('stream')?.result)).toBeGreaterThan(0);
  });

  it('las claves de otro alumno no leen ni escriben bajo su prefijo: el almacén lo rechaza', { timeout: 2 * MINUTE }, async () => {
    const attempts = await runClient(
      server.remote,
      `${as(bruno)}
attempt("read", lambda: spark.read.parquet("${base(ana)}lotes").count())
attempt("write", lambda: spark.range(1).write.mode("overwrite").parquet("${base(ana)}intruso"))
attempt("own", lambda: spark.range(3).write.mode("overwrite").parquet("${base(bruno)}propio") or spark.read.parquet("${base(bruno)}propio").count())
`,
    );
    expect(attempts.get('read')?.message).toMatch(/AccessDenied|403|Forbidden/);
    expect(attempts.get('write')?.message).toMatch(/AccessDenied|403|Forbidden/);
    expect(attempts.get('own')).toMatchObject({ ok: true, result: '3' });
  });
});
