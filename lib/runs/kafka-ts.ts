import { setTimeout as sleep } from 'node:timers/promises';
import type { StudentKafkaAccess } from '@/lab/kafka/credentials';
import { checkKafka, type KafkaHealth } from '@/lab/kafka/health';
import { findRunnable } from '@/lib/content/runnables';
import { kafkaBrokers } from '@/lib/env';
import { CauceError, studentMessage } from '@/lib/errors';
import { DEFAULT_KAFKA_TS_LIMITS, RECORD_SUMMARY_INTERVAL_MS, wallClockMs } from '@/lib/limits';
import { labStatusForRun } from '@/lib/lab/status';
import { kafkaTenants } from '@/lib/lab/kafka-tenants';
import { runTypeScript, type SandboxResult } from '@/lib/sandbox';
import { formatBytes } from '@/lib/sandbox/messages';
import { KafkaLimitWatcher } from './kafka-limits';
import { CONNECTION_LOST, kafkaOutageDuring, kafkaUnavailableMessage } from './kafka-outage';
import { RUN_MESSAGES } from './messages';
import { parseRecordLine, RecordBudget } from './records';
import type { Run } from './run';
import { RuntimeErrorTracker } from './runtime-error';
import type { EndReason } from './schema';

/**
 * The wall clock from what the example is: its author declares `runs="until-stopped"` (a
 * consumer) in the lesson; anything else, or an id the content does not have, finishes on
 * its own. Never read from the student's code (a comment saying `.consumer(` bought 120 s).
 */
async function wallLimit(snippet: string): Promise<number> {
  const example = await findRunnable(snippet).catch(() => undefined);
  return wallClockMs('kafka-ts', example?.runs);
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

/** kafkajs's words when a topic does not exist (UNKNOWN_TOPIC_OR_PARTITION). */
const UNKNOWN_TOPIC = /This server does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/;

/** kafkajs's words for an ACL refusal (error types and messages), in stderr or printed errors. */
const AUTHORIZATION_ERROR = /[A-Z_]*AUTHORIZATION_FAILED|Not authorized to access|authorization failed/i;

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

function endReason(result: SandboxResult): EndReason {
  if (result.reason === 'finished') return result.exitCode === 0 && !result.signal ? 'finished' : 'failed';
  return result.reason;
}

/** Runs a kafka-ts snippet in the sandbox against the lab's brokers, streaming its events. */
export async function executeKafkaSnippet(run: Run): Promise<void> {
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
  const errors = new RuntimeErrorTracker(files.map((f) => f.name));
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
    if (!missingTopicExplained && UNKNOWN_TOPIC.test(text)) {
      missingTopicExplained = true;
      run.emit({ type: 'notice', message: RUN_MESSAGES.topicMissing });
      return;
    }
    if (refusalExplained || !access || !AUTHORIZATION_ERROR.test(text)) return;
    refusalExplained = true;
    run.emit({ type: 'notice', message: RUN_MESSAGES.kafkaRefused(access.prefix) });
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
    const result = await runTypeScript(
      {
        files,
        entry,
        env: studentRunEnv(brokers, access),
        // The run's network namespace reaches the brokers and nothing else (not the site,
        // Airflow, the controller listener or the LAN): bootstrap plus advertised addresses.
        endpoints: [...brokers, ...(health.addresses ?? [])],
        limits: { wallMs: await wallLimit(run.request.snippet) },
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
          connectionLost ||= CONNECTION_LOST.test(text);
        }
        run.emit({ type: stream, text });
      },
    );
    summarise(); // the final counts, before the end
    if (result.truncated) run.emit({ type: 'notice', message: `La salida superó ${formatBytes(DEFAULT_KAFKA_TS_LIMITS.outputBytes)} y se cortó ahí.` });
    const reason = endReason(result);
    // Kafka died under the program (a broker restart): the lab's failure, said so, not a line of theirs to fix.
    const outage = reason === 'failed' && connectionLost ? await kafkaOutageDuring(started, brokers) : undefined;
    if (outage) {
      run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: result.exitCode, durationMs: result.durationMs, message: outage });
      return;
    }
    const located = errors.result();
    const exception = reason === 'failed' && result.exitCode !== null && !result.denied ? errors.error() : undefined;
    if (located && reason === 'failed') run.emit({ type: 'diagnostic', ...located, message: RUN_MESSAGES.exceptionAt(located.message) });
    run.emit({
      type: 'exit',
      reason,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      // What was thrown, and where, says more than the exit code the sandbox saw.
      message: exception ? RUN_MESSAGES.exception(exception, located) : (result.message ?? (reason === 'finished' ? RUN_MESSAGES.finished : RUN_MESSAGES.failed)),
    });
  } catch (error) {
    // runTypeScript throws only before running (busy, bad input): a SandboxError, Spanish already.
    if (!(error instanceof CauceError)) console.error('[runs] kafka-ts failed', error);
    run.emit({ type: 'exit', reason: 'error', exitCode: null, durationMs: Date.now() - started, message: studentMessage(error, RUN_MESSAGES.serverError) });
  }
}
