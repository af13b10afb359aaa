import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/lesson/breadcrumbs';
import { CourseProgress } from '@/components/lesson/course-progress.client';
import { LessonList } from '@/components/lesson/lesson-list';
import { findCourse, loadCourses, progressLessons } from '@/lib/content/load';
import { lessonExerciseIds, lessonKinds } from '@/lib/content/runnables';

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
  const exercises = await lessonExerciseIds();
  return (
    <div className="page-narrow">
      <Breadcrumbs items={[{ label: 'Cursos', href: '/' }, { label: course.meta.title }]} />
      <h1>{course.meta.title}</h1>
      <p className="lead">{course.meta.summary}</p>
      <p className="course-meta">
        {course.lessons.length} lecciones · {course.duration} min · basado en «{course.meta.source}»
      </p>
      <CourseProgress title={course.meta.title} lessons={progressLessons(course, exercises)} />
      <LessonList lessons={course.lessons} kinds={await lessonKinds()} exercises={exercises} />
    </div>
  );
}
