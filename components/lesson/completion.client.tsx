'use client';

import { useExerciseProgress } from '@/components/retos/exercise-store.client';
import { setCompleted, useCompleted } from './completion-store.client';

/**
 * Whether a lesson is complete: a lesson with Retos when all of them are passed, one without when
 * the student marked it. `exercises`: the lesson's Reto ids (lib/content/runnables.ts).
 */
export function useLessonDone(lessonKey: string, exercises: readonly string[] = []): boolean {
  const marked = useCompleted(lessonKey);
  const { passed } = useExerciseProgress();
  return exercises.length > 0 ? exercises.every((id) => passed.includes(id)) : marked;
}

/** The end of a lesson: "Marcar como completada", or, with Retos, how many are passed. */
export function CompletionToggle({ lessonKey, exercises = [] }: { lessonKey: string; exercises?: readonly string[] }) {
  const done = useLessonDone(lessonKey, exercises);
  const { passed } = useExerciseProgress();
  if (exercises.length > 0) {
    const count = exercises.filter((id) => passed.includes(id)).length;
    return (
      <p className={done ? 'lesson-status done' : 'lesson-status'} role="status">
        {done ? `✓ Lección completada: superaste sus ${exercises.length} retos.` : `Retos superados: ${count} de ${exercises.length}. La lección se completa al superarlos todos.`}
      </p>
    );
  }
  return (
    <button type="button" className={done ? 'button button-done' : 'button'} aria-pressed={done} onClick={() => void setCompleted(lessonKey, !done)}>
      {done ? '✓ Lección completada' : 'Marcar como completada'}
    </button>
  );
}

/** A small check next to a lesson in lists; announces the state to screen readers. */
export function CompletionMark({ lessonKey, exercises }: { lessonKey: string; exercises?: readonly string[] }) {
  const done = useLessonDone(lessonKey, exercises);
  return (
    <span className={done ? 'completion-mark done' : 'completion-mark'} title={done ? 'Completada' : 'Pendiente'}>
      <span aria-hidden="true">{done ? '✓' : '○'}</span>
      <span className="visually-hidden">{done ? 'Completada' : 'Pendiente'}</span>
    </span>
  );
}
