import { findRunnable } from '@/lib/content/runnables';
import { findLesson } from '@/lib/content/load';
import { RUN_MESSAGES } from './messages';
import type { RunRequest } from './schema';

/** Why a request cannot name what it runs: the status to answer and the Spanish sentence. */
export interface TargetRefusal {
  status: 404 | 422;
  message: string;
}

/**
 * Checks that a run names an example of the content: its lesson exists, the example belongs to
 * that lesson, and its kind is the example's. A page only sends these, so a refusal means an old
 * tab (the lesson changed since it loaded) or a hand-made request; either way nothing starts.
 */
export async function refuseUnknownTarget(request: Pick<RunRequest, 'lesson' | 'snippet' | 'kind'>): Promise<TargetRefusal | undefined> {
  const [course = '', lesson = ''] = request.lesson.split('/');
  if (!findLesson(course, lesson)) return { status: 404, message: RUN_MESSAGES.unknownLesson(request.lesson) };
  const example = request.snippet.startsWith(`${request.lesson}/`) ? await findRunnable(request.snippet) : undefined;
  if (!example) return { status: 404, message: RUN_MESSAGES.unknownSnippet };
  if (example.kind !== request.kind) return { status: 422, message: RUN_MESSAGES.kindMismatch };
  return undefined;
}
