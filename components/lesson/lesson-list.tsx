import Link from 'next/link';
import type { Lesson } from '@/lib/content/load';
import { CompletionMark } from './completion.client';

/** Ordered lessons of a course with their duration and this browser's completion marks. */
export function LessonList({ lessons }: { lessons: Lesson[] }) {
  return (
    <ol className="lesson-list">
      {lessons.map((lesson) => (
        <li key={lesson.href}>
          <CompletionMark lessonKey={`${lesson.course}/${lesson.slug}`} />
          <Link href={lesson.href}>{lesson.frontmatter.title}</Link>
          <span className="duration">{lesson.frontmatter.duration} min</span>
        </li>
      ))}
    </ol>
  );
}
