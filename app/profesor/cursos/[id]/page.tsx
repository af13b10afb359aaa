import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound, redirect } from 'next/navigation';
import { ResetLabButton } from '@/components/instructor/reset-lab-button.client';
import { ExerciseGridTable, ExerciseStuck, type ExerciseColumn } from '@/components/instructor/exercise-grid';
import { currentInstructor } from '@/lib/auth/current';
import { exerciseIndex } from '@/lib/content/runnables';
import { db } from '@/lib/db';
import { findCourse } from '@/lib/db/courses';
import { RunsPerMinute } from '@/components/instructor/runs-per-minute';
import { completionGrid, recentFailedRuns, roster, runsPerMinute } from '@/lib/db/dashboard';
import { exerciseGrid } from '@/lib/db/exercises';
import { lessonColumns } from '@/lib/instructor/lessons';
import { RUN_STATUS_LABELS } from '@/lib/runs/messages';
import { plural } from '@/lib/format/spanish';

export const metadata: Metadata = { title: 'Curso' };
export const dynamic = 'force-dynamic';

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString('es-ES', { dateStyle: 'short', timeStyle: 'short' }) : '—');

/** One course for its instructor: roster, recent failures, activity. The lead extends this into the full dashboard. */
export default async function InstructorCoursePage({ params }: { params: Promise<{ id: string }> }) {
  if (!(await currentInstructor())) redirect('/profesor/entrar');
  const database = await db();
  const course = await findCourse(database, (await params).id);
  if (!course) notFound();
  const lessons = lessonColumns();
  const titles = new Map(lessons.map((l) => [l.key, l.title]));
  // The Retos of the grid's lessons, in the content's order.
  const exercises: ExerciseColumn[] = [...(await exerciseIndex()).values()]
    .filter((e) => titles.has(e.lesson))
    .map((e) => ({ id: e.id, title: e.title, lesson: titles.get(e.lesson) ?? e.lesson }));
  const [students, failed, activity, grid, retos] = await Promise.all([
    roster(database, course.id),
    recentFailedRuns(database, course.id, 20),
    runsPerMinute(database, course.id, 15),
    completionGrid(
      database,
      course.id,
      lessons.map((l) => l.key),
      exercises.map((e) => e.id),
    ),
    exerciseGrid(
      database,
      course.id,
      exercises.map((e) => e.id),
    ),
  ]);
  const lastMinutes = activity.reduce((sum, b) => sum + b.runs, 0);
  return (
    <div className="page-narrow">
      <p>
        <Link href="/profesor">← Panel del profesor</Link>
      </p>
      <h1>{course.title}</h1>
      <p className="lead">
        Código para unirse: <code className="join-code">{course.join_code}</code> · {plural(students.length, 'alumno', 'alumnos')} ·{' '}
        {plural(lastMinutes, 'ejecución', 'ejecuciones')} en los últimos 15 minutos ·{' '}
        <a href={`/profesor/cursos/${course.id}/progreso.csv`} download>
          Descargar progreso (CSV)
        </a>
      </p>
      <RunsPerMinute buckets={activity} />
      <h2>Alumnos</h2>
      {students.length === 0 ? (
        <p>Nadie se ha unido todavía.</p>
      ) : (
        <div className="table-scroll" role="region" aria-label="Alumnos del curso" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Alumno</th>
                <th scope="col">Lecciones completadas</th>
                <th scope="col">Ejecuciones</th>
                <th scope="col">Fallidas</th>
                <th scope="col">Última ejecución</th>
                <th scope="col">Laboratorio</th>
              </tr>
            </thead>
            <tbody>
              {students.map((row) => (
                <tr key={row.student.id}>
                  <th scope="row">{row.student.display_name}</th>
                  <td>
                    {Object.keys(grid.rows.find((r) => r.student.id === row.student.id)?.completed ?? {}).length} de {lessons.length}
                  </td>
                  <td>{row.runs}</td>
                  <td>{row.failedRuns}</td>
                  <td>{time(row.lastRunAt)}</td>
                  <td>
                    <ResetLabButton studentId={row.student.id} name={row.student.display_name} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {grid.rows.length > 0 && (
        <>
          <h2>Lecciones completadas</h2>
          <div className="table-scroll" role="region" aria-label="Lecciones completadas por alumno" tabIndex={0}>
            <table className="data-table completion-grid">
              <caption className="visually-hidden">Lección por alumno: ✓ completada</caption>
              <thead>
                <tr>
                  <th scope="col">Alumno</th>
                  {lessons.map((lesson) => (
                    <th key={lesson.key} scope="col" title={`${lesson.course}: ${lesson.title}`}>
                      {lesson.title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {grid.rows.map((row) => (
                  <tr key={row.student.id}>
                    <th scope="row">{row.student.display_name}</th>
                    {lessons.map((lesson) =>
                      row.completed[lesson.key] ? (
                        <td key={lesson.key} className="done">
                          <span aria-hidden="true">✓</span>
                          <span className="visually-hidden">Completada</span>
                        </td>
                      ) : (
                        <td key={lesson.key}>
                          <span className="visually-hidden">Pendiente</span>
                        </td>
                      ),
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {retos.rows.length > 0 && exercises.length > 0 && (
        <>
          <h2>Retos</h2>
          <ExerciseGridTable columns={exercises} grid={retos} />
          <h3>Dónde se atasca la clase</h3>
          <ExerciseStuck columns={exercises} grid={retos} />
        </>
      )}
      <h2>Ejecuciones fallidas recientes</h2>
      {failed.length === 0 ? (
        <p>Ninguna.</p>
      ) : (
        <ul className="failed-runs">
          {failed.map((run) => (
            <li key={run.id}>
              <details>
                <summary>
                  <strong>{run.displayName}</strong> · {titles.get(run.lesson) ?? run.lesson} · {RUN_STATUS_LABELS[run.status] ?? run.status} · {time(run.createdAt)}
                </summary>
                {run.error && <pre className="failed-run-error">{run.error}</pre>}
                {run.code.map((file) => (
                  <figure key={file.name} className="failed-run-file">
                    <figcaption>{file.name}</figcaption>
                    <pre>{file.content}</pre>
                  </figure>
                ))}
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
