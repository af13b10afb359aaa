import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="page-narrow not-found">
      <h1>Página no encontrada</h1>
      <p>La dirección que buscas no existe o la lección cambió de nombre.</p>
      <p>
        <Link className="button button-primary" href="/">
          Volver a los cursos
        </Link>
      </p>
    </div>
  );
}
