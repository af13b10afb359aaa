import Link from 'next/link';
import type { Lesson } from '@/lib/content/load';
import type { SnippetKind } from '@/lib/content/schema';
import { RUNNABLE_KINDS } from '@/lib/runs/schema';
import { CompletionMark } from './completion.client';

/** How the lesson list names what an example runs on. */
const KIND_LABEL: Record<SnippetKind, string> = {
  'kafka-ts': 'Kafka',
  'kafka-py': 'Kafka',
  'airflow-dag': 'Airflow',
  pyspark: 'Spark',
  shell: 'terminal',
};

export interface LessonListProps {
  lessons: Lesson[];
  /** Kinds of example each lesson holds, by "<course>/<lesson>" (lib/content/runnables.ts lessonKinds). */
  kinds?: Map<string, SnippetKind[]>;
  /** Reto ids of each lesson, by "<course>/<lesson>" (a lesson with Retos is done when they pass). */
  exercises?: Map<string, string[]>;
}

/** What a lesson lets the student run in the lab: only the kinds that run today. */
function LabMark({ kinds }: { kinds: SnippetKind[] }) {
  const runnable = kinds.filter((kind) => RUNNABLE_KINDS.includes(kind));
  if (runnable.length === 0) return null;
  return (
    <span className="lesson-lab" title="Tiene ejemplos que puedes editar y ejecutar contra el laboratorio">
      <span aria-hidden="true">▶ </span>con laboratorio: {[...new Set(runnable.map((kind) => KIND_LABEL[kind]))].join(', ')}
    </span>
  );
}

function RetoMark({ count }: { count: number }) {
  if (count === 0) return null;
  return <span className="lesson-retos">{count === 1 ? '1 reto' : `${count} retos`}</span>;
}

/** Ordered lessons of a course with their duration, their lab and this browser's completion marks. */
export function LessonList({ lessons, kinds, exercises }: LessonListProps) {
  return (
    <ol className="lesson-list">
      {lessons.map((lesson) => (
        <li key={lesson.href}>
          <CompletionMark lessonKey={`${lesson.course}/${lesson.slug}`} exercises={exercises?.get(`${lesson.course}/${lesson.slug}`)} />
          <span className="lesson-list-title">
            <Link href={lesson.href}>{lesson.frontmatter.title}</Link>
            <LabMark kinds={kinds?.get(`${lesson.course}/${lesson.slug}`) ?? []} />
            <RetoMark count={exercises?.get(`${lesson.course}/${lesson.slug}`)?.length ?? 0} />
          </span>
          <span className="duration">{lesson.frontmatter.duration} min</span>
        </li>
      ))}
    </ol>
  );
}
