import type { StudentKafkaAccess } from '@/lab/kafka/credentials';
import { findRunnable } from '@/lib/content/runnables';
import { CauceError, studentMessage } from '@/lib/errors';
import { DEFAULT_PYSPARK_LIMITS, wallClockMs } from '@/lib/limits';
import { kafkaTenants } from '@/lib/lab/kafka-tenants';
import { formatBytes } from '@/lib/sandbox/messages';
import { runPyspark } from '@/lib/sandbox/pyspark';
import { sandboxEndReason } from '../end-reason';
import { RUN_MESSAGES } from '../messages';
import type { Run } from '../run';
import { explainSparkError } from './errors';
import { ensureSpark, s3Env, sparkEndpoint, sparkKafkaBootstrap, studentS3Access, type PysparkS3Access } from './lab';
import { PYSPARK_MESSAGES } from './messages';
import { ObjectWatcher } from './objects';
import { BatchLedger, parseSparkLine, type SparkError } from './progress';

/**
 * The run's whole view of the lab: where Spark Connect is, the Kafka address as the Spark
 * server reaches it with the student's own SCRAM credential and prefix, and the student's S3
 * key, bucket and prefix. Never the admin's: this object is the sandbox's entire environment.
 */
export function pysparkRunEnv(remote: string, bootstrap: string, kafka: StudentKafkaAccess | undefined, s3: PysparkS3Access | undefined): Record<string, string> {
  const env: Record<string, string> = { SPARK_REMOTE: remote, KAFKA_BROKERS: bootstrap };
  if (kafka) Object.assign(env, { KAFKA_USERNAME: kafka.sasl.username, KAFKA_PASSWORD: kafka.sasl.password, KAFKA_TOPIC_PREFIX: kafka.prefix });
  if (s3) Object.assign(env, s3Env(s3));
  return env;
}

/** Runs a pyspark snippet: a Spark Connect client in the sandbox, its micro-batches and S3 objects streamed as events. */
export async function executePysparkSnippet(run: Run): Promise<void> {
  const started = Date.now();
  const end = (reason: 'lab-unavailable' | 'stopped' | 'error', message: string) => run.emit({ type: 'exit', reason, exitCode: null, durationMs: Date.now() - started, message });
  run.emit({ type: 'status', state: 'starting', message: 'Preparando el servidor de Spark del laboratorio…' });
  let kafka: StudentKafkaAccess | undefined;
  let s3: PysparkS3Access | undefined;
  // «Detener» while the lab's Spark still starts ends the run at once (the start goes on for the next one).
  const stopped = new Promise<'stopped'>((resolve) => {
    if (run.abort.signal.aborted) resolve('stopped');
    run.abort.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  try {
    let said = '';
    const ready = async () => {
      await ensureSpark((message) => {
        if (message !== said) run.emit({ type: 'status', state: 'starting', message: (said = message) });
      });
      // The student's principal (prefixed ACLs) and S3 identity (their prefix), made on first use.
      [kafka, s3] = await Promise.all([kafkaTenants()?.ensureStudent(run.student), studentS3Access(run.student)]);
    };
    if ((await Promise.race([ready(), stopped])) === 'stopped') return end('stopped', 'Detuviste la ejecución.');
  } catch (error) {
    if (!(error instanceof CauceError)) console.error('[runs] pyspark lab', error); // ours are Spanish already
    return end('lab-unavailable', studentMessage(error, PYSPARK_MESSAGES.labUnavailable));
  }
  if (run.abort.signal.aborted) return end('stopped', 'Detuviste la ejecución.');

  const files = run.request.files.map((f) => ({ name: f.name, content: f.content }));
  const example = await findRunnable(run.request.snippet).catch(() => undefined);
  const { remote, hostPort } = sparkEndpoint();
  const ledger = new BatchLedger();
  const objects = s3 ? new ObjectWatcher(s3, (event) => run.emit(event)) : undefined;
  let thrown: SparkError | undefined;
  let stopReason: 'stop' | 'deadline' | 'end' | undefined;
  objects?.refresh(); // the baseline: what the prefix held before this run
  run.emit({ type: 'status', state: 'running', message: 'Ejecutando el trabajo en Spark…' });
  try {
    const result = await runPyspark(
      {
        files,
        entry: files[0]!.name,
        env: pysparkRunEnv(remote, sparkKafkaBootstrap(), kafka, s3),
        // The sandbox reaches the Spark Connect endpoint and nothing else: Kafka and S3 are the server's to reach.
        endpoints: [hostPort],
        limits: { wallMs: wallClockMs('pyspark', example?.runs) },
        signal: run.abort.signal,
      },
      ({ stream, text: chunk, record: marked }) => {
        const text = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
        if (!marked) return run.emit({ type: stream, text });
        const line = parseSparkLine(text);
        if (line?.spark === 'batch') {
          const event = ledger.take(line);
          if (event) run.emit(event);
          if (event?.wrote) objects?.refresh(); // the batch's files are committed: list them
        } else if (line?.spark === 'error') thrown = line;
        else if (line?.spark === 'stopped') stopReason = line.reason;
      },
    );
    await objects?.settle();
    run.emit({
      type: 'spark-summary',
      batches: ledger.batches,
      rows: ledger.rows,
      resumed: ledger.firstRanges.filter((r) => r.resumed).map((r) => ({ topic: r.topic, partition: r.partition, from: r.from! })),
    });
    if (result.truncated) run.emit({ type: 'notice', message: `La salida superó ${formatBytes(DEFAULT_PYSPARK_LIMITS.outputBytes)} y se cortó ahí.` });
    let reason = sandboxEndReason(result);
    // The wrapper's own deadline stopped the stream cleanly, a little before the sandbox's kill.
    if (stopReason === 'deadline' && (reason === 'finished' || reason === 'failed')) reason = 'timeout';
    const written = PYSPARK_MESSAGES.written(ledger.batches, ledger.rows);
    if (thrown && reason === 'failed') {
      const explained = explainSparkError(thrown, files, { kafka: kafka?.prefix, s3: s3 ? `s3a://${s3.bucket}/${s3.prefix}` : undefined });
      if (explained.labFault) return run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: result.exitCode, durationMs: result.durationMs, message: explained.message });
      if (explained.file && explained.line) run.emit({ type: 'diagnostic', file: explained.file, line: explained.line, column: 1, message: explained.message });
      const where = explained.file && explained.line ? { file: explained.file, line: explained.line } : undefined;
      return run.emit({ type: 'exit', reason, exitCode: result.exitCode, durationMs: result.durationMs, message: RUN_MESSAGES.exception(explained.message, where) });
    }
    const message =
      reason === 'stopped'
        ? PYSPARK_MESSAGES.stopped(written)
        : reason === 'timeout'
          ? PYSPARK_MESSAGES.timeout(result.durationMs, written)
          : reason === 'finished'
            ? `${RUN_MESSAGES.finished} ${written}`
            : (result.message ?? RUN_MESSAGES.failed);
    run.emit({ type: 'exit', reason, exitCode: result.exitCode, durationMs: result.durationMs, message });
  } catch (error) {
    // The sandbox throws only before running (busy, bad input): a SandboxError, Spanish already.
    if (!(error instanceof CauceError)) console.error('[runs] pyspark failed', error);
    end('error', studentMessage(error, RUN_MESSAGES.serverError));
  }
}
