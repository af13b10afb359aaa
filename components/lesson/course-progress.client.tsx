'use client';

import Link from 'next/link';
import { useExerciseProgress } from '@/components/retos/exercise-store.client';
import { useCompletedSet } from './completion-store.client';

export interface ProgressLesson {
  /** "<course>/<lesson>" */
  key: string;
  href: string;
  /** The lesson's Reto ids, in order. */
  exercises: string[];
}

/** Where a Reto sits in its lesson's page. */
export const retoAnchor = (exercise: string) => `reto-${exercise.split('/').at(-1)}`;

const percent = (done: number, total: number) => (total === 0 ? 0 : Math.round((done / total) * 100));

/**
 * A course's overview: lessons and Retos done (a lesson with Retos is done when they all pass,
 * one without when the student marked it), and a button to the first unfinished step.
 */
export function CourseProgress({ title, lessons }: { title: string; lessons: ProgressLesson[] }) {
  const marked = useCompletedSet();
  const { passed } = useExerciseProgress();
  const isDone = (lesson: ProgressLesson) => (lesson.exercises.length > 0 ? lesson.exercises.every((id) => passed.includes(id)) : marked.has(lesson.key));
  const lessonsDone = lessons.filter(isDone).length;
  const exercises = lessons.flatMap((l) => l.exercises);
  const exercisesDone = exercises.filter((id) => passed.includes(id)).length;
  const started = lessonsDone > 0 || exercisesDone > 0;
  const next = lessons.find((lesson) => !isDone(lesson));
  const nextExercise = next?.exercises.find((id) => !passed.includes(id));
  // Inside a lesson already begun (a Reto passed), straight to the Reto that is left.
  const href = next && nextExercise && next.exercises.some((id) => passed.includes(id)) ? `${next.href}#${retoAnchor(nextExercise)}` : next?.href;
  return (
    <section className="course-progress" aria-label={`Tu avance en ${title}`}>
      <div className="course-progress-row">
        <span>
          Lecciones: {lessonsDone} de {lessons.length} ({percent(lessonsDone, lessons.length)} %)
        </span>
        <progress max={lessons.length} value={lessonsDone} aria-label={`Lecciones completadas de ${title}`} />
      </div>
      {exercises.length > 0 && (
        <div className="course-progress-row">
          <span>
            Retos: {exercisesDone} de {exercises.length} ({percent(exercisesDone, exercises.length)} %)
          </span>
          <progress max={exercises.length} value={exercisesDone} aria-label={`Retos superados de ${title}`} />
        </div>
      )}
      {href ? (
        <Link className="button button-primary" href={href}>
          {started ? 'Continuar' : 'Empezar el curso'}
        </Link>
      ) : (
        <p className="course-progress-done">✓ Curso completado</p>
      )}
    </section>
  );
}
