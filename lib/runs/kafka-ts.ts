import { checkKafka } from '@/lab/kafka/health';
import { kafkaBrokers } from '@/lib/env';
import { runTypeScript, type SandboxResult } from '@/lib/sandbox';
import { RUN_MESSAGES } from './messages';
import { parseRecordLine } from './records';
import type { Run } from './run';
import { RuntimeErrorTracker } from './runtime-error';
import type { EndReason } from './schema';

/** Producers finish on their own; consumers run until "Detener" or this limit. */
export const PRODUCER_LIMIT_MS = 30_000;
export const CONSUMER_LIMIT_MS = 120_000;
/** The broker must answer a metadata request within this before a run starts. */
const LAB_CHECK_MS = 3_000;

function wallLimit(code: string): number {
  return /\.consumer\s*\(/.test(code) ? CONSUMER_LIMIT_MS : PRODUCER_LIMIT_MS;
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
  const health = await checkKafka(brokers, LAB_CHECK_MS);
  if (!health.ok) {
    run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: null, durationMs: Date.now() - started, message: RUN_MESSAGES.labUnavailable });
    return;
  }
  if (run.abort.signal.aborted) {
    run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: Date.now() - started, message: 'Detuviste la ejecución.' });
    return;
  }

  const files = run.request.files.map((f) => ({ name: f.name, content: f.content }));
  const entry = files[0]!.name;
  const errors = new RuntimeErrorTracker(files.map((f) => f.name));
  run.emit({ type: 'status', state: 'running', message: 'Ejecutando…' });
  try {
    const result = await runTypeScript(
      {
        files,
        entry,
        env: { KAFKA_BROKERS: brokers.join(',') },
        limits: { wallMs: wallLimit(files.map((f) => f.content).join('\n')) },
        signal: run.abort.signal,
      },
      ({ stream, text: chunk }) => {
        const text = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk; // each event is one line
        if (stream === 'stdout') {
          const record = parseRecordLine(text);
          if (record) return run.emit({ type: 'record', record });
        } else errors.observe(text);
        run.emit({ type: stream, text });
      },
    );
    if (result.truncated) run.emit({ type: 'notice', message: 'La salida superó 1 MB y se cortó ahí.' });
    const reason = endReason(result);
    const located = errors.result();
    if (located && reason === 'failed') run.emit({ type: 'diagnostic', ...located });
    run.emit({
      type: 'exit',
      reason,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      message: result.message ?? (reason === 'finished' ? RUN_MESSAGES.finished : RUN_MESSAGES.failed),
    });
  } catch (error) {
    // runTypeScript throws only before running (busy, bad input); the message is Spanish.
    const message = error instanceof Error && 'retriable' in error ? error.message : RUN_MESSAGES.serverError;
    if (!(error instanceof Error && 'retriable' in error)) console.error('[runs] kafka-ts failed', error);
    run.emit({ type: 'exit', reason: 'error', exitCode: null, durationMs: Date.now() - started, message });
  }
}
