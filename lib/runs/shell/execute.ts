import { findRunnable } from '@/lib/content/runnables';
import type { RunnableProbe } from '@/lib/content/schema';
import { CauceError, studentMessage } from '@/lib/errors';
import { DEFAULT_SHELL_LIMITS, SHELL_HADOOP_LIMITS, SHELL_HADOOP_WALL_MS, SHELL_PROBE_OUTPUT_BYTES, SHELL_PROBE_WALL_MS, wallClockMs } from '@/lib/limits';
import { formatBytes } from '@/lib/sandbox/messages';
import type { SandboxProbe } from '@/lib/sandbox/probe';
import { runShell, shellSandboxHost } from '@/lib/sandbox/shell';
import type { SandboxHost, SandboxResult } from '@/lib/sandbox';
import { HadoopUnavailableError } from '@/lab/errors';
import { sandboxEndReason as endReason } from '../end-reason';
import { RUN_MESSAGES } from '../messages';
import type { Run } from '../run';
import type { RunEvent } from '../schema';
import { HadoopErrorNotices, ShellErrorTracker } from './errors';
import { hadoopDown, prepareHadoopShell, type HadoopShellRun } from './hadoop';
import { HADOOP_PREREQUISITES_PROBE, hadoopPrerequisitesEvent } from './prerequisites';

/** Each probe a lesson may declare: the bash it runs and the event its report becomes. */
const PROBES: Record<RunnableProbe, { script: string; event: (report: string | null) => RunEvent }> = {
  'hadoop-prerequisites': { script: HADOOP_PREREQUISITES_PROBE, event: hadoopPrerequisitesEvent },
};

function sandboxProbe(probe: RunnableProbe): SandboxProbe {
  return { argv: ['/bin/bash', '--norc', '--noprofile', '-c', PROBES[probe].script], wallMs: SHELL_PROBE_WALL_MS, outputBytes: SHELL_PROBE_OUTPUT_BYTES };
}

/** The exit sentence of a script that ended by itself with a non-zero code, or by a signal. */
function failedMessage(result: SandboxResult, first: { file: string; line: number; message: string } | undefined): string {
  const code = result.exitCode;
  const why = code === 127 ? ' (la última orden no existe)' : code === 126 ? ' (la última orden no se pudo ejecutar)' : '';
  const ended = result.signal
    ? `Tu script terminó por la señal ${result.signal}.`
    : `Tu script terminó con código de salida ${code}${why}: en bash, cualquier código distinto de 0 es un error.`;
  return first ? `${ended} Bash informó de un error en ${first.file}, línea ${first.line} (marcada en el editor): ${first.message}` : ended;
}

/**
 * Runs a shell example in the sandbox: the student's script, then (if the lesson declares one)
 * the server's probe in the same sandbox, whose report becomes a structured event. bash's
 * error lines are marked at the student's line; the exit says how it ended, in Spanish.
 */
export async function executeShellSnippet(run: Run, host: SandboxHost = shellSandboxHost()): Promise<void> {
  const started = Date.now();
  const example = await findRunnable(run.request.snippet).catch(() => undefined);
  const files = run.request.files.map((f) => ({ name: f.name, content: f.content }));
  const errors = new ShellErrorTracker(files.map((f) => f.name));
  const hadoopErrors = new HadoopErrorNotices();
  const hadoopNotices: string[] = [];
  let hadoop: HadoopShellRun | undefined;
  try {
    if (example?.lab === 'hadoop') {
      hadoop = await prepareHadoopShell(
        run.student,
        (message) => run.emit({ type: 'status', state: 'starting', message }),
        (job) => run.emit({ type: 'hadoop-job', ...job }),
        run.abort.signal,
      );
    }
    run.emit({ type: 'status', state: 'running', message: 'Ejecutando…' });
    const result = await runShell(
      {
        files,
        entry: files[0]!.name,
        limits: hadoop ? { ...SHELL_HADOOP_LIMITS, wallMs: SHELL_HADOOP_WALL_MS[example?.runs ?? 'to-end'] } : { wallMs: wallClockMs('shell', example?.runs) },
        ...(hadoop ? { endpoints: hadoop.endpoints, httpFilter: hadoop.httpFilter, tools: hadoop.tools } : {}),
        probe: example?.probe ? sandboxProbe(example.probe) : undefined,
        signal: run.abort.signal,
      },
      ({ stream, text: chunk }) => {
        const text = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
        if (stream === 'stderr') errors.observe(text);
        run.emit({ type: stream, text });
        if (stream === 'stderr' && hadoop) {
          const notice = hadoopErrors.observe(text);
          if (notice) hadoopNotices.push(notice);
        }
      },
      host,
    );
    if (result.truncated) run.emit({ type: 'notice', message: `La salida superó ${formatBytes(DEFAULT_SHELL_LIMITS.outputBytes)} y se cortó ahí.` });
    for (const message of hadoopNotices) run.emit({ type: 'notice', message });
    const located = errors.errors();
    for (const error of located) run.emit({ type: 'diagnostic', ...error, message: `Error de bash: ${error.message}` });
    let reason = endReason(result);
    // The lab's Hadoop stopped under the script (its client said connection refused, the relay 502): not the student's doing.
    const down = hadoop && reason === 'failed' ? await hadoopDown() : undefined;
    if (down) reason = 'lab-unavailable';
    if (reason === 'finished' && located.length > 0) {
      run.emit({
        type: 'notice',
        message: `El script llegó al final, pero bash informó de ${located.length === 1 ? 'un error' : `${located.length} errores`} por el camino (marcados en el editor).`,
      });
    }
    if (example?.probe && result.reason !== 'stopped' && result.reason !== 'error') run.emit(PROBES[example.probe].event(result.probe));
    const message = reason === 'finished' ? RUN_MESSAGES.finished : reason === 'failed' ? failedMessage(result, located[0]) : (down ?? result.message ?? RUN_MESSAGES.failed);
    run.emit({ type: 'exit', reason, exitCode: result.exitCode, durationMs: result.durationMs, message });
  } catch (error) {
    if (run.abort.signal.aborted) {
      // Detener while Hadoop was starting on demand (or the home was being made).
      run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: Date.now() - started, message: 'Detuviste la ejecución.' });
      return;
    }
    if (error instanceof HadoopUnavailableError) {
      run.emit({ type: 'exit', reason: 'lab-unavailable', exitCode: null, durationMs: Date.now() - started, message: error.message });
      return;
    }
    // runShell throws only before running (busy, bad input): a SandboxError, Spanish already.
    if (!(error instanceof CauceError)) console.error('[runs] shell failed', error);
    run.emit({ type: 'exit', reason: 'error', exitCode: null, durationMs: Date.now() - started, message: studentMessage(error, RUN_MESSAGES.serverError) });
  } finally {
    hadoop?.dispose();
  }
}
