import { userFromRequest } from '@/lib/auth/user';
import { db } from '@/lib/db';
import { findCourse } from '@/lib/db/courses';
import { progressCsv } from '@/lib/db/dashboard';
import { lessonColumns } from '@/lib/instructor/lessons';

export const dynamic = 'force-dynamic';

/** GET /profesor/cursos/:id/progreso.csv — the course's completion grid for a spreadsheet (instructors only). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await userFromRequest(request);
  if (user?.role !== 'instructor') return new Response('No autorizado: entra como profesor.\n', { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const database = await db();
  const course = await findCourse(database, (await params).id);
  if (!course) return new Response('Ese curso no existe.\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const csv = await progressCsv(
    database,
    course.id,
    lessonColumns().map((l) => l.key),
  );
  const file = `progreso-${course.join_code}.csv`;
  return new Response(`\uFEFF${csv}`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${file}"`,
      'cache-control': 'private, no-store',
    },
  });
}
