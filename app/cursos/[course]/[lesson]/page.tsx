import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/lesson/breadcrumbs';
import { CompletionToggle } from '@/components/lesson/completion.client';
import { Pager } from '@/components/lesson/pager';
import { ReadingProgress } from '@/components/lesson/reading-progress.client';
import { TableOfContents } from '@/components/lesson/table-of-contents';
import { LabStatusBadge } from '@/components/site/lab-status.client';
import { compileLesson } from '@/lib/content/compile';
import { findLesson, loadCourses } from '@/lib/content/load';
import { lessonExerciseIds, lessonKinds } from '@/lib/content/runnables';
import { labServicesFor } from '@/lib/runs/schema';

export const dynamicParams = false;

export function generateStaticParams() {
  return loadCourses().flatMap((course) => course.lessons.map((lesson) => ({ course: course.slug, lesson: lesson.slug })));
}

type Params = Promise<{ course: string; lesson: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { course, lesson } = await params;
  const found = findLesson(course, lesson);
  return { title: found?.lesson.frontmatter.title, description: found?.lesson.frontmatter.summary };
}

export default async function LessonPage({ params }: { params: Params }) {
  const { course: courseSlug, lesson: lessonSlug } = await params;
  const found = findLesson(courseSlug, lessonSlug);
  if (!found) notFound();
  const { course, lesson, previous, next } = found;
  const { frontmatter } = lesson;
  const content = await compileLesson(lesson);
  // The course's badges: the services its examples run on, and Hadoop where a lesson shows its cluster summary.
  const kinds = await lessonKinds();
  const services = labServicesFor(
    course.lessons.flatMap((l) => kinds.get(`${course.slug}/${l.slug}`) ?? []),
    course.lessons.some((l) => l.body.includes('<ClusterSummary')) ? ['hadoop'] : [],
  );

  return (
    <>
      <ReadingProgress />
      <div className="lesson-layout">
        <aside className="lesson-aside">
          <TableOfContents headings={lesson.headings} />
        </aside>
        <article className="lesson" aria-labelledby="titulo-leccion">
          <div className="lesson-topbar">
            <Breadcrumbs items={[{ label: 'Cursos', href: '/' }, { label: course.meta.title, href: course.href }, { label: frontmatter.title }]} />
            {services.length > 0 && <LabStatusBadge services={services} />}
            {services.includes('kafka') && (
              <Link href="/mi-kafka" className="my-kafka-link">
                Mi Kafka: tus temas y grupos
              </Link>
            )}
          </div>
          <header className="lesson-header">
            <p className="lesson-kicker">
              Lección {frontmatter.order} de {course.lessons.length} · {frontmatter.duration} min
            </p>
            <h1 id="titulo-leccion">{frontmatter.title}</h1>
            <p className="lead">{frontmatter.summary}</p>
            <div className="lesson-goals">
              <div>
                <h2>Objetivos</h2>
                <ul>
                  {frontmatter.objectives.map((o) => (
                    <li key={o}>{o}</li>
                  ))}
                </ul>
              </div>
              {frontmatter.prerequisites.length > 0 && (
                <div>
                  <h2>Requisitos previos</h2>
                  <ul>
                    {frontmatter.prerequisites.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
          </header>
          <div className="prose">{content}</div>
          <footer className="lesson-footer">
            <CompletionToggle lessonKey={`${course.slug}/${lesson.slug}`} exercises={(await lessonExerciseIds()).get(`${course.slug}/${lesson.slug}`)} />
            <Pager previous={previous} next={next} />
          </footer>
        </article>
      </div>
    </>
  );
}
