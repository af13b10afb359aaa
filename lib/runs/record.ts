import { db } from '@/lib/db';
import { recordRun } from '@/lib/db/runs';
import type { Run, RunOwner } from './run';
import type { RunEvent, RunRequest } from './schema';

/** How much of a failed run's stderr is kept for the instructor's "recent failures". */
const STDERR_TAIL_LINES = 20;
const MAX_ERROR_CHARS = 4_000;

type Exit = Extract<RunEvent, { type: 'exit' }>;

async function persist(
  request: RunRequest,
  owner: RunOwner,
  row: { id: string; status: string; exitCode: number | null; durationMs: number | null; error: string | null; createdAt: number; endedAt: number | null },
) {
  try {
    await recordRun(await db(), {
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
    });
  } catch (error) {
    // Recording must never break a run (e.g. the database is briefly unavailable).
    console.warn('[cauce] no se pudo guardar la ejecución:', (error as Error).message);
  }
}

/**
 * The run observer: follows a run and, when its exit event comes, stores it (who, lesson,
 * snippet, kind, code, how it ended, duration and, unless it finished well, the error: the
 * end message, the first diagnostic and the tail of stderr).
 */
export function recordWhenEnded(run: Run): Promise<void> {
  return new Promise((resolve) => {
    const stderr: string[] = [];
    let diagnostic: string | undefined;
    run.subscribe((event) => {
      if (event.type === 'stderr') {
        stderr.push(event.text);
        if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
      } else if (event.type === 'diagnostic') {
        diagnostic ??= `${event.file}:${event.line}:${event.column}: ${event.message}`;
      } else if (event.type === 'exit') {
        void persist(run.request, run.owner, {
          id: run.id,
          status: event.reason,
          exitCode: event.exitCode,
          durationMs: event.durationMs,
          error: errorText(event, diagnostic, stderr),
          createdAt: run.createdAt,
          endedAt: run.endedAt ?? Date.now(),
        }).then(resolve);
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
  return persist(request, owner, { id, status: 'rejected', exitCode: null, durationMs: null, error: message, createdAt: now, endedAt: now });
}
