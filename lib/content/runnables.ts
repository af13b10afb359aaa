import { compile } from '@mdx-js/mdx';
import { ContentError } from './errors';
import { perProcess } from '@/lib/per-process';
import { loadCourses } from './load';
import { remarkRunnable, type RunnableMeta } from './remark-runnable';
import type { ExerciseMeta } from '@/lib/retos/schema';
import type { SnippetKind } from './schema';

interface IndexState {
  index?: Promise<Map<string, RunnableMeta>>;
  /** Every Reto of the content, by id, in the courses' and lessons' order; filled with the index. */
  exercises?: Map<string, ExerciseMeta>;
  /** The index once built, for callers that cannot wait (the queue's estimates). */
  built?: Map<string, RunnableMeta>;
}

/** Built at the server's start (instrumentation.ts) and read by every route: one per process. */
const state = (): IndexState => perProcess('content:runnable-index', () => ({}));

/**
 * Every example of the content, by id, with what its author declared (how long it runs). The
 * server reads this, not the request: a property of the example, not something a student's
 * request or code can claim. Built once per server process from the same plugin the lessons
 * compile with, so ids match the pages'.
 */
export function runnableIndex(): Promise<Map<string, RunnableMeta>> {
  const current = state();
  current.index ??= (async () => {
    const found = new Map<string, RunnableMeta>();
    const retos = new Map<string, ExerciseMeta>();
    for (const lesson of loadCourses().flatMap((course) => course.lessons)) {
      await compileForIndex(lesson.body, lesson.file, {
        remarkPlugins: [
          [
            remarkRunnable,
            {
              lessonKey: `${lesson.course}/${lesson.slug}`,
              onRunnable: (meta: RunnableMeta) => found.set(meta.id, meta),
              onExercise: (meta: ExerciseMeta) => retos.set(meta.id, meta),
            },
          ],
        ],
      });
    }
    current.exercises = retos;
    current.built = found;
    return found;
  })();
  current.index.catch(() => (current.index = undefined));
  return current.index;
}

/** The example a run names, or undefined (startRun refuses those; runs built directly, as in tests, get their kind's defaults). */
export async function findRunnable(id: string): Promise<RunnableMeta | undefined> {
  return (await runnableIndex()).get(id);
}

/** The example if the index is already built (it is after the first run), without waiting. */
export function knownRunnable(id: string): RunnableMeta | undefined {
  const { built } = state();
  if (!built) void runnableIndex().catch(() => undefined);
  return built?.get(id);
}

/** The kinds of example each lesson holds, by "<course>/<lesson>", each once, in the lesson's order. */
export async function lessonKinds(): Promise<Map<string, SnippetKind[]>> {
  const kinds = new Map<string, SnippetKind[]>();
  for (const { id, kind } of (await runnableIndex()).values()) {
    const lesson = id.split('/').slice(0, 2).join('/');
    const list = kinds.get(lesson) ?? [];
    if (!list.includes(kind)) list.push(kind);
    kinds.set(lesson, list);
  }
  return kinds;
}

/** Like the lesson pages' compile (lib/content/compile.ts), an error names the lesson file. */
async function compileForIndex(body: string, file: string, options: Parameters<typeof compile>[1]) {
  try {
    await compile(body, options);
  } catch (error) {
    throw new ContentError(file, `✖ MDX: ${(error as Error).message}`);
  }
}

/** Every Reto of the content (statement in the page; starter, solution and hint count here), by id. */
export async function exerciseIndex(): Promise<Map<string, ExerciseMeta>> {
  await runnableIndex();
  return state().exercises!;
}

/** The Retos of each lesson, by "<course>/<lesson>", in the lesson's order. */
export async function lessonExercises(): Promise<Map<string, ExerciseMeta[]>> {
  const byLesson = new Map<string, ExerciseMeta[]>();
  for (const meta of (await exerciseIndex()).values()) byLesson.set(meta.lesson, [...(byLesson.get(meta.lesson) ?? []), meta]);
  return byLesson;
}

/** Reto ids of each lesson, by "<course>/<lesson>": what the pages pass to the progress marks. */
export async function lessonExerciseIds(): Promise<Map<string, string[]>> {
  return new Map([...(await lessonExercises())].map(([lesson, list]) => [lesson, list.map((e) => e.id)]));
}
