'use client';

import { setCompleted, useCompleted } from './completion-store.client';

/** "Marcar como completada" at the end of a lesson. */
export function CompletionToggle({ lessonKey }: { lessonKey: string }) {
  const done = useCompleted(lessonKey);
  return (
    <button type="button" className={done ? 'button button-done' : 'button'} aria-pressed={done} onClick={() => setCompleted(lessonKey, !done)}>
      {done ? '✓ Lección completada' : 'Marcar como completada'}
    </button>
  );
}

/** A small check next to a lesson in lists; announces the state to screen readers. */
export function CompletionMark({ lessonKey }: { lessonKey: string }) {
  const done = useCompleted(lessonKey);
  return (
    <span className={done ? 'completion-mark done' : 'completion-mark'} title={done ? 'Completada' : 'Pendiente'}>
      <span aria-hidden="true">{done ? '✓' : '○'}</span>
      <span className="visually-hidden">{done ? 'Completada' : 'Pendiente'}</span>
    </span>
  );
}
