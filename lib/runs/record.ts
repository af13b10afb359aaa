import { db } from '@/lib/db';
import { markInterruptedRuns, recordRun, updateRunStatus } from '@/lib/db/runs';
import type { NewRunRow } from '@/lib/db/schema';
import { RUN_MESSAGES } from './messages';
import type { Run, RunOwner } from './run';
import type { RunEvent, RunRequest } from './schema';

/** How much of a failed run's stderr is kept for the instructor's "recent failures". */
const STDERR_TAIL_LINES = 20;
const MAX_ERROR_CHARS = 4_000;

type Exit = Extract<RunEvent, { type: 'exit' }>;

interface RowState {
  id: string;
  status: string;
  exitCode: number | null;
  durationMs: number | null;
  error: string | null;
  createdAt: number;
  endedAt: number | null;
}

function rowOf(request: RunRequest, owner: RunOwner, row: RowState): NewRunRow {
  return {
    id: row.id,
    student_id: owner.studentId,
    course_id: owner.courseId,
    owner: owner.key,
    lesson: request.lesson,
    snippet: request.snippet,
    kind: request.kind,
    code: JSON.stringify(request.files),
    status: row.status,
    exit_code: row.exitCode,
    duration_ms: row.durationMs === null ? null : Math.round(row.durationMs),
    error: row.error?.slice(0, MAX_ERROR_CHARS) ?? null,
    created_at: new Date(row.createdAt).toISOString(),
    ended_at: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
  };
}

/** Recording must never break a run (e.g. the database is briefly unavailable): failures are only logged. */
async function safely(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    console.warn('[cauce] no se pudo guardar la ejecución:', (error as Error).message);
  }
}

/**
 * The run observer: stores the run when it is accepted ('queued'), marks it 'running' when it
 * starts, and when its exit event comes completes the row: how it ended, duration and, unless
 * it finished well, the error (the end message, the first diagnostic and the tail of stderr).
 * A server that dies meanwhile leaves the row 'queued' or 'running': the next start marks it
 * 'interrupted' ({@link markRunsInterruptedByLastServer}). The writes of one run go in order.
 */
export function recordRunLifecycle(run: Run): Promise<void> {
  const stderr: string[] = [];
  let diagnostic: string | undefined;
  let startedRecorded = false;
  const base = { id: run.id, exitCode: null, durationMs: null, error: null, createdAt: run.createdAt, endedAt: null };
  let writes = safely(async () => recordRun(await db(), rowOf(run.request, run.owner, { ...base, status: 'queued' })));
  return new Promise((resolve) => {
    run.subscribe((event) => {
      if (event.type === 'status' && event.state !== 'queued' && !startedRecorded) {
        startedRecorded = true;
        writes = writes.then(() => safely(async () => updateRunStatus(await db(), run.id, 'running')));
      } else if (event.type === 'stderr') {
        stderr.push(event.text);
        if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
      } else if (event.type === 'diagnostic') {
        diagnostic ??= `${event.file}:${event.line}:${event.column}: ${event.message}`;
      } else if (event.type === 'exit') {
        const ended = rowOf(run.request, run.owner, {
          ...base,
          status: event.reason,
          exitCode: event.exitCode,
          durationMs: event.durationMs,
          error: errorText(event, diagnostic, stderr),
          endedAt: run.endedAt ?? Date.now(),
        });
        writes = writes.then(() => safely(async () => recordRun(await db(), ended)));
        void writes.then(resolve);
      }
    });
  });
}

function errorText(exit: Exit, diagnostic: string | undefined, stderr: string[]): string | null {
  if (exit.reason === 'finished' || exit.reason === 'stopped' || exit.reason === 'abandoned') return null;
  return [exit.message, diagnostic, stderr.join('').trim()].filter(Boolean).join('\n');
}

/** A request refused before running (syntax error, rate limit): recorded as status "rejected". */
export function recordRejected(id: string, request: RunRequest, owner: RunOwner, message: string): Promise<void> {
  const now = Date.now();
  return safely(async () =>
    recordRun(await db(), rowOf(request, owner, { id, status: 'rejected', exitCode: null, durationMs: null, error: message, createdAt: now, endedAt: now })),
  );
}

/**
 * The site's start: runs the previous server left 'queued' or 'running' never ended (it was
 * killed or crashed under them), so they become 'interrupted', for the instructor's history.
 * Only the site's server calls this, once, before it serves (instrumentation.ts): one site
 * process per database is how Cauce runs.
 */
export async function markRunsInterruptedByLastServer(): Promise<number> {
  const marked = await markInterruptedRuns(await db(), RUN_MESSAGES.interrupted);
  if (marked > 0) console.log(`[cauce] ${marked} ejecución(es) quedaron a medias al detenerse el servidor anterior: marcadas como interrumpidas.`);
  return marked;
}
