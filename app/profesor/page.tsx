import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { NewCourseForm } from '@/components/instructor/new-course-form.client';
import { currentInstructor } from '@/lib/auth/current';
import { siteMode } from '@/lib/auth/mode';
import { db } from '@/lib/db';
import { listCourses } from '@/lib/db/courses';

export const metadata: Metadata = { title: 'Panel del profesor' };
export const dynamic = 'force-dynamic';

export default async function InstructorPage() {
  if (siteMode() !== 'course') {
    return (
      <div className="page-narrow auth-page">
        <h1>Panel del profesor</h1>
        <p className="lead">
          Este sitio funciona en modo individual. Para alojar un curso con alumnos, arráncalo con <code>CAUCE_MODE=course npm start</code>.
        </p>
      </div>
    );
  }
  if (!(await currentInstructor())) redirect('/profesor/entrar');
  const courses = await listCourses(await db());
  return (
    <div className="page-narrow">
      <h1>Panel del profesor</h1>
      <NewCourseForm />
      <h2 className="section-title">Cursos</h2>
      {courses.length === 0 ? (
        <p>
          Todavía no hay cursos. Crea uno y da su código a tus alumnos: lo escribirán en <code>/unirse</code>.
        </p>
      ) : (
        <div className="table-scroll" role="region" aria-label="Cursos" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Curso</th>
                <th scope="col">Código para unirse</th>
                <th scope="col">Alumnos</th>
                <th scope="col">Progreso</th>
              </tr>
            </thead>
            <tbody>
              {courses.map((course) => (
                <tr key={course.id}>
                  <th scope="row">
                    <Link href={`/profesor/cursos/${course.id}`}>{course.title}</Link>
                  </th>
                  <td>
                    <code className="join-code">{course.join_code}</code>
                  </td>
                  <td>{course.students}</td>
                  <td>
                    <a href={`/profesor/cursos/${course.id}/progreso.csv`} download>
                      Descargar CSV<span className="visually-hidden"> de {course.title}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
