import { userFromRequest } from '@/lib/auth/user';
import { exerciseIndex } from '@/lib/content/runnables';
import { db } from '@/lib/db';
import { findCourse } from '@/lib/db/courses';
import { progressCsv } from '@/lib/db/dashboard';
import { lessonColumns } from '@/lib/instructor/lessons';

export const dynamic = 'force-dynamic';

/** GET /profesor/cursos/:id/progreso.csv — the course's completion grid and Retos for a spreadsheet (instructors only). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await userFromRequest(request);
  if (user?.role !== 'instructor') return new Response('No autorizado: entra como profesor.\n', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const database = await db();
  const course = await findCourse(database, (await params).id);
  if (!course) return new Response('Ese curso no existe.\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const lessons = lessonColumns().map((l) => l.key);
  // The Retos of the grid's lessons, in the content's order (as the dashboard shows them).
  const shown = new Set(lessons);
  const exercises = [...(await exerciseIndex()).values()].filter((e) => shown.has(e.lesson)).map((e) => e.id);
  const csv = await progressCsv(database, course.id, lessons, exercises);
  const file = `progreso-${course.join_code}.csv`;
  return new Response(`\uFEFF${csv}`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${file}"`,
      'cache-control': 'private, no-store',
    },
  });
}
