'use client';

import { useState, useSyncExternalStore } from 'react';
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
  return <MarkButton lessonKey={lessonKey} done={done} />;
}

const subscribeNever = () => () => undefined;

/**
 * The mark itself. Disabled until the page is interactive (a click before hydration would do
 * nothing, and the student would think it saved) and while the mark is being saved (in a course
 * it shows once the server has it: a second click meanwhile would undo it unseen).
 */
function MarkButton({ lessonKey, done }: { lessonKey: string; done: boolean }) {
  const interactive = useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
  const [saving, setSaving] = useState(false);
  const toggle = () => {
    setSaving(true);
    void setCompleted(lessonKey, !done).finally(() => setSaving(false));
  };
  return (
    <button type="button" className={done ? 'button button-done' : 'button'} aria-pressed={done} aria-busy={saving} disabled={!interactive || saving} onClick={toggle}>
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
