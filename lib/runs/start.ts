import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MAX_RUN_BYTES } from '@/lib/limits';
import { findExercise } from '@/lib/retos/exercises';
import { ExerciseSetupError, prepareExercise } from '@/lib/retos/prepare';
import { prepareSnippet, SnippetInputError, type SnippetDiagnostic } from '@/lib/sandbox';
import { checkPythonSyntax } from '@/lib/sandbox/python-syntax';
import { validateShellFiles } from '@/lib/sandbox/input';
import { asSentence } from '@/lib/sandbox/messages';
import { validateDagFiles } from './airflow/messages';
import { RUN_MESSAGES } from './messages';
import { takeRunQuota } from './quota';
import { recordRejected } from './record';
import { createRun, type RunOptions } from './registry';
import { DEFAULT_STUDENT, LOCAL_OWNER } from './run';
import { RUNNABLE_KINDS, RunRequest, type StartRunResult } from './schema';
import { refuseUnknownTarget } from './target';

export type StartOutcome = StartRunResult & { status: 202 | 400 | 404 | 413 | 422 | 429 | 503 };

function totalBytes(input: unknown): number {
  const files = (input as { files?: unknown })?.files;
  if (!Array.isArray(files)) return 0;
  return files.reduce((sum: number, f: unknown) => {
    const content = (f as { content?: unknown })?.content;
    return sum + (typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : 0);
  }, 0);
}

/**
 * Checks a run request and, only if it is sound, queues the run. Size first (cheap, and an
 * oversized body must not cost more work), then the schema, then that it names an example of the
 * content (404 otherwise), then the code's syntax, so the student's syntax errors come back at
 * once as markers instead of as a run.
 * `options.student` (course mode: the session's student) picks their Kafka principal and
 * prefix; without it the run is the single-user default student's.
 */
export async function startRun(input: unknown, options: RunOptions = {}): Promise<StartOutcome> {
  if (totalBytes(input) > MAX_RUN_BYTES) {
    return { ok: false, status: 413, message: RUN_MESSAGES.tooLarge(MAX_RUN_BYTES / 1024) };
  }
  const parsed = RunRequest.safeParse(input);
  if (!parsed.success) {
    return { ok: false, status: 400, message: `${RUN_MESSAGES.badRequest}\n${z.prettifyError(parsed.error)}` };
  }
  const request = parsed.data;
  if (!RUNNABLE_KINDS.includes(request.kind)) return { ok: false, status: 422, message: RUN_MESSAGES.kindNotReady };
  const refused = await refuseUnknownTarget(request);
  if (refused) return { ok: false, ...refused };

  if (request.kind === 'airflow-dag') {
    // Python is checked by the worker itself (syntax errors come back as diagnostic events).
    const invalid = validateDagFiles(request.files);
    if (invalid) return { ok: false, status: 400, message: invalid };
    return queue(request, options);
  }
  if (request.kind === 'shell') {
    // bash reads the script as it runs it: its errors come back as markers during the run.
    try {
      validateShellFiles(request.files, request.files[0]!.name);
    } catch (error) {
      if (error instanceof SnippetInputError) return { ok: false, status: 400, message: error.message };
      throw error;
    }
    return queue(request, options);
  }

  let syntax: SnippetDiagnostic[];
  try {
    // TypeScript is transpiled here; Python is compiled (never run) by lib/sandbox/python-syntax.ts.
    syntax = request.kind === 'kafka-py' || request.kind === 'pyspark' ? await checkPythonSyntax(request.files) : prepareSnippet(request.files, request.files[0]!.name).diagnostics;
  } catch (error) {
    if (error instanceof SnippetInputError) return { ok: false, status: 400, message: error.message };
    throw error;
  }
  if (syntax.length > 0) {
    const diagnostics = syntax.map((d) => ({ type: 'diagnostic' as const, ...d, message: `Error de sintaxis: ${d.message}` }));
    const first = diagnostics[0]!;
    void recordRejected(randomUUID(), request, options.owner ?? LOCAL_OWNER, `${first.file}:${first.line}:${first.column}: ${first.message}`);
    return {
      ok: false,
      status: 422,
      message: `Tu código tiene un error de sintaxis en ${first.file}, línea ${first.line}: ${asSentence(first.message.replace(/^Error de sintaxis: /, ''))} No se ejecutó.`,
      diagnostics,
    };
  }
  return queue(request, options);
}

/**
 * The last gates: the student's quota (course mode); for a Reto, its starting state put in
 * place (every attempt starts from the same topics and groups); then the queue.
 */
async function queue(request: RunRequest, options: RunOptions): Promise<StartOutcome> {
  const refused = takeRunQuota(options.owner ?? LOCAL_OWNER);
  if (refused) return { ok: false, status: 429, message: refused };
  const exercise = findExercise(request.snippet);
  if (exercise?.setup) {
    try {
      await prepareExercise(exercise, options.student ?? DEFAULT_STUDENT);
    } catch (error) {
      if (error instanceof ExerciseSetupError) return { ok: false, status: 503, message: error.message };
      throw error;
    }
  }
  return { ok: true, status: 202, runId: createRun(request, options).id };
}
