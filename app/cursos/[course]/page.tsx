import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/lesson/breadcrumbs';
import { LessonList } from '@/components/lesson/lesson-list';
import { findCourse, loadCourses } from '@/lib/content/load';
import { lessonKinds } from '@/lib/content/runnables';

export const dynamicParams = false;

export function generateStaticParams() {
  return loadCourses().map((course) => ({ course: course.slug }));
}

type Params = Promise<{ course: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const course = findCourse((await params).course);
  return { title: course?.meta.title, description: course?.meta.summary };
}

export default async function CoursePage({ params }: { params: Params }) {
  const course = findCourse((await params).course);
  if (!course) notFound();
  const first = course.lessons[0];
  return (
    <div className="page-narrow">
      <Breadcrumbs items={[{ label: 'Cursos', href: '/' }, { label: course.meta.title }]} />
      <h1>{course.meta.title}</h1>
      <p className="lead">{course.meta.summary}</p>
      <p className="course-meta">
        {course.lessons.length} lecciones · {course.duration} min · basado en «{course.meta.source}»
      </p>
      <LessonList lessons={course.lessons} kinds={await lessonKinds()} />
      {first && (
        <p>
          <Link className="button button-primary" href={first.href}>
            Empezar el curso
          </Link>
        </p>
      )}
    </div>
  );
}
