import type { Metadata } from 'next';
import Link from 'next/link';
import { loadCourses } from '@/lib/content/load';

export const metadata: Metadata = {
  title: 'Página no encontrada',
  robots: { index: false },
};

export default function NotFound() {
  return (
    <div className="page-narrow not-found">
      <h1>Página no encontrada</h1>
      <p>La dirección que buscas no existe o la lección cambió de nombre. Búscala con el buscador de arriba (pulsa «/») o empieza por uno de los cursos:</p>
      <ul>
        {loadCourses().map((course) => (
          <li key={course.slug}>
            <Link href={course.href}>{course.meta.title}</Link>
          </li>
        ))}
      </ul>
      <p>
        <Link className="button button-primary" href="/">
          Volver a los cursos
        </Link>
      </p>
    </div>
  );
}
