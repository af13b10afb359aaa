import Link from 'next/link';
import { CourseProgress } from '@/components/lesson/course-progress.client';
import { LessonList } from '@/components/lesson/lesson-list';
import { loadCourses, progressLessons } from '@/lib/content/load';
import { lessonExerciseIds, lessonKinds } from '@/lib/content/runnables';

export default async function HomePage() {
  const courses = loadCourses();
  const kinds = await lessonKinds();
  const exercises = await lessonExerciseIds();
  return (
    <div className="page-narrow">
      <section className="hero">
        <h1>Ingeniería de datos, con las manos en el laboratorio</h1>
        <p>
          Lee cada lección, edita sus ejemplos y ejecútalos contra un Kafka, un Airflow y un Hadoop reales que Cauce arranca por ti (las lecciones marcadas con «▶ con
          laboratorio»). Tu avance se guarda en este navegador o, si te uniste a un curso, en el servidor.
        </p>
      </section>
      <h2 className="section-title">Cursos</h2>
      <div className="course-grid">
        {courses.map((course) => (
          <article key={course.slug} className="course-card" aria-labelledby={`curso-${course.slug}`}>
            <h3 id={`curso-${course.slug}`}>
              <Link href={course.href}>{course.meta.title}</Link>
            </h3>
            <p className="course-meta">
              {course.lessons.length} lecciones · {course.duration} min
            </p>
            <p>{course.meta.summary}</p>
            <CourseProgress title={course.meta.title} lessons={progressLessons(course, exercises)} />
            <LessonList lessons={course.lessons} kinds={kinds} exercises={exercises} />
          </article>
        ))}
      </div>
    </div>
  );
}
