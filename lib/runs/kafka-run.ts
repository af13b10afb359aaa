import { setTimeout as sleep } from 'node:timers/promises';
import type { StudentKafkaAccess } from '@/lab/kafka/credentials';
import { checkKafka, type KafkaHealth } from '@/lab/kafka/health';
import { findRunnable } from '@/lib/content/runnables';
import { kafkaBrokers } from '@/lib/env';
import { CauceError, studentMessage } from '@/lib/errors';
import { RECORD_SUMMARY_INTERVAL_MS, wallClockMs } from '@/lib/limits';
import { labStatusForRun } from '@/lib/lab/status';
import { kafkaTenants } from '@/lib/lab/kafka-tenants';
import type { SandboxOutput, SandboxResult } from '@/lib/sandbox';
import { formatBytes } from '@/lib/sandbox/messages';
import { sandboxEndReason as endReason } from './end-reason';
import { KafkaLimitWatcher } from './kafka-limits';
import { kafkaOutageDuring, kafkaUnavailableMessage } from './kafka-outage';
import { RUN_MESSAGES } from './messages';
import { parseRecordLine, RecordBudget } from './records';
import type { Run } from './run';
import type { RuntimeErrorLocation } from './runtime-error';

/**
 * What differs between the Kafka clients a student may write in (kafkajs for kafka-ts,
 * kafka-python for kafka-py): how the program runs in the sandbox and how its errors read.
 * Everything else of a Kafka run (the lab's check, the student's principal, records, limits,
 * outages, the end) is {@link executeKafkaRun}'s, once for both.
 */
export interface KafkaClientKind {
  kind: 'kafka-ts' | 'kafka-py';
  /** Runs the files in the sandbox; throws only before running (a SandboxError, Spanish already). */
  run(input: KafkaSandboxInput, onOutput: (output: SandboxOutput) => void): Promise<SandboxResult>;
  /** Follows stderr and locates the program's uncaught exception in the student's files. */
  errors(fileNames: string[]): { observe(line: string): void; result(): RuntimeErrorLocation | undefined; error(): string | undefined };
  /** The client's words for a topic that does not exist. */
  unknownTopic: RegExp;
  /** The client's words for an ACL refusal (error types and messages), in stderr or printed errors. */
  authorization: RegExp;
  /** The client's words for a connection to a broker refused, dropped or left unanswered. */
  connectionLost: RegExp;
  /** How the code of this language reads the prefix, for the refusal's advice (`process.env.KAFKA_TOPIC_PREFIX`). */
  prefixInCode: string;
  /** Bytes of output before the run is cut (its kind's limit). */
  outputBytes: number;
  /** The uncaught exception in Spanish, when the client's is one a student meets often; undefined keeps it as is. */
  explain?(exception: string): string | undefined;
}

/** What {@link KafkaClientKind.run} gets: the same for every client. */
export interface KafkaSandboxInput {
  files: { name: string; content: string }[];
  entry: string;
  env: Record<string, string>;
  endpoints: string[];
  wallMs: number;
  signal: AbortSignal;
}

/**
 * The wall clock from what the example is: its author declares `runs="until-stopped"` (a
 * consumer) in the lesson; anything else, or an id the content does not have, finishes on
 * its own. Never read from the student's code (a comment saying `.consumer(` bought 120 s).
 */
async function wallLimit(kind: KafkaClientKind['kind'], snippet: string): Promise<number> {
  const example = await findRunnable(snippet).catch(() => undefined);
  return wallClockMs(kind, example?.runs);
}

/**
 * A run's own look at the brokers when the shared status says they are down. The shared probe
 * (1.5 s, every 2 s) only colours the badge: on a busy machine it times out while the broker is
 * fine, and refusing every run in that window made a class burst fail by dozens. A stopped
 * broker refuses a connection at once, so being patient costs only the busy case.
 */
const OWN_CHECKS = 3;
const OWN_CHECK_TIMEOUT_MS = 5_000;
const OWN_CHECK_GAP_MS = 500;

async function reachKafka(brokers: string[], signal: AbortSignal): Promise<KafkaHealth> {
  const shared = (await labStatusForRun()).kafka;
  if (shared.ok) return shared;
  let health: KafkaHealth = shared;
  for (let attempt = 0; attempt < OWN_CHECKS && !signal.aborted; attempt++) {
    if (attempt > 0) await sleep(OWN_CHECK_GAP_MS);
    health = await checkKafka(brokers, OWN_CHECK_TIMEOUT_MS, { version: undefined });
    if (health.ok) return health;
  }
  return health;
}

/**
 * The run's whole view of Kafka: brokers and, when the server isolates students, the
 * student's own SCRAM credential and prefix. Never the admin's: this object is the sandbox's
 * entire environment.
 */
export function studentRunEnv(brokers: readonly string[], access: StudentKafkaAccess | undefined): Record<string, string> {
  const env: Record<string, string> = { KAFKA_BROKERS: brokers.join(',') };
  if (!access) return env;
  return { ...env, KAFKA_USERNAME: access.sasl.username, KAFKA_PASSWORD: access.sasl.password, KAFKA_TOPIC_PREFIX: access.prefix };
}

/** Runs a Kafka snippet (`client` says which language) in the sandbox against the lab's brokers, streaming its events. */
export async function executeKafkaRun(run: Run, client: KafkaClientKind): Promise<void> {
  const started = Date.now();
  const brokers = kafkaBrokers();
  run.emit({ type: 'status', state: 'starting', message: 'Comprobando el laboratorio de Kafka…' });
  // The shared lab status when it is good (a fresh SCRAM login per run would cost more than
  // the student's own program takes to start); the run's own patient checks when it is not.
  const health = await reachKafka(brokers, run.abort.signal);
  if (!health.ok && !run.abort.signal.aborted) {
    run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: null, durationMs: Date.now() - started, message: kafkaUnavailableMessage() });
    return;
  }
  if (run.abort.signal.aborted) {
    run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: Date.now() - started, message: 'Detuviste la ejecución.' });
    return;
  }

  // The student's principal (created with its prefixed ACLs on their first run, then cached).
  let access: StudentKafkaAccess | undefined;
  try {
    access = await kafkaTenants()?.ensureStudent(run.student);
  } catch (error) {
    console.error('[runs] kafka principal', error);
    run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: null, durationMs: Date.now() - started, message: RUN_MESSAGES.kafkaAccessUnavailable });
    return;
  }

  const files = run.request.files.map((f) => ({ name: f.name, content: f.content }));
  const entry = files[0]!.name;
  const errors = client.errors(files.map((f) => f.name));
  let refusalExplained = false;
  let missingTopicExplained = false;
  let connectionLost = false;
  const limits = new KafkaLimitWatcher();
  const explainRefusal = (text: string) => {
    // A lab limit first: refusing partitions on one's own topic is an ACL error, not a wrong prefix.
    const hit = limits.observe(text);
    if (hit) {
      if (hit.limit === 'add-partitions') refusalExplained = true;
      run.emit({ type: 'notice', message: hit.message });
      return;
    }
    // The lab refuses auto-creating topics (its policy), so a consumer of a topic nobody has
    // produced to yet fails with kafkajs's bare "does not host this topic-partition".
    if (!missingTopicExplained && client.unknownTopic.test(text)) {
      missingTopicExplained = true;
      run.emit({ type: 'notice', message: RUN_MESSAGES.topicMissing });
      return;
    }
    if (refusalExplained || !access || !client.authorization.test(text)) return;
    refusalExplained = true;
    run.emit({ type: 'notice', message: RUN_MESSAGES.kafkaRefused(access.prefix, client.prefixInCode) });
  };
  const records = new RecordBudget();
  let summarisedAt = 0;
  const summarise = () => {
    summarisedAt = Date.now();
    const summary = records.summary();
    if (summary) run.emit(summary);
  };
  run.emit({ type: 'status', state: 'running', message: 'Ejecutando…' });
  try {
    const result = await client.run(
      {
        files,
        entry,
        env: studentRunEnv(brokers, access),
        // The run's network namespace reaches the brokers and nothing else (not the site,
        // Airflow, the controller listener or the LAN): bootstrap plus advertised addresses.
        endpoints: [...brokers, ...(health.addresses ?? [])],
        wallMs: await wallLimit(client.kind, run.request.snippet),
        signal: run.abort.signal,
      },
      ({ stream, text: chunk, record: marked }) => {
        const text = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk; // each event is one line
        if (marked) {
          // The shim's record channel: a record event, counted past the budget, never text.
          const record = parseRecordLine(text);
          if (!record) return;
          if (records.take(record)) return run.emit({ type: 'record', record });
          if (Date.now() - summarisedAt >= RECORD_SUMMARY_INTERVAL_MS) summarise();
          return;
        }
        explainRefusal(text);
        if (stream === 'stderr') {
          errors.observe(text);
          connectionLost ||= client.connectionLost.test(text);
        }
        run.emit({ type: stream, text });
      },
    );
    summarise(); // the final counts, before the end
    if (result.truncated) run.emit({ type: 'notice', message: `La salida superó ${formatBytes(client.outputBytes)} y se cortó ahí.` });
    const reason = endReason(result);
    // Kafka died under the program (a broker restart): the lab's failure, said so, not a line of theirs to fix.
    const outage = reason === 'failed' && connectionLost ? await kafkaOutageDuring(started, brokers) : undefined;
    if (outage) {
      run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: result.exitCode, durationMs: result.durationMs, message: outage });
      return;
    }
    const located = errors.result();
    const thrown = reason === 'failed' && result.exitCode !== null && !result.denied ? errors.error() : undefined;
    const exception = thrown && (client.explain?.(thrown) ?? thrown);
    if (located && reason === 'failed') run.emit({ type: 'diagnostic', ...located, message: RUN_MESSAGES.exceptionAt(client.explain?.(located.message) ?? located.message) });
    run.emit({
      type: 'exit',
      reason,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      // What was thrown, and where, says more than the exit code the sandbox saw.
      message: exception ? RUN_MESSAGES.exception(exception, located) : (result.message ?? (reason === 'finished' ? RUN_MESSAGES.finished : RUN_MESSAGES.failed)),
    });
  } catch (error) {
    // The sandbox throws only before running (busy, bad input): a SandboxError, Spanish already.
    if (!(error instanceof CauceError)) console.error(`[runs] ${client.kind} failed`, error);
    run.emit({ type: 'exit', reason: 'error', exitCode: null, durationMs: Date.now() - started, message: studentMessage(error, RUN_MESSAGES.serverError) });
  }
}
