import type { Metadata } from 'next';
import Link from 'next/link';
import { joinCourseAction } from '@/app/sesion/actions';
import { SignInForm } from '@/components/auth/sign-in-form.client';
import { siteMode } from '@/lib/auth/mode';
import { MAX_NAME_LENGTH } from '@/lib/auth/sign-in';

export const metadata: Metadata = { title: 'Unirse a un curso' };
export const dynamic = 'force-dynamic';

export default async function JoinPage({ searchParams }: { searchParams: Promise<{ siguiente?: string }> }) {
  const { siguiente } = await searchParams;
  return (
    <div className="page-narrow auth-page">
      <h1>Unirse a un curso</h1>
      {siteMode() === 'course' ? (
        <>
          <p className="lead">
            Escribe el código que te dio tu profesor y tu nombre. Si vuelves a entrar con el mismo código y el mismo nombre, desde cualquier navegador, recuperas tu código y tu
            avance.
          </p>
          <SignInForm
            action={joinCourseAction}
            submit="Unirme"
            hidden={siguiente ? { siguiente } : {}}
            fields={[
              { name: 'codigo', label: 'Código del curso', autoComplete: 'off', hint: 'Ocho letras y números, por ejemplo K7PX-2QMA.', maxLength: 20 },
              { name: 'nombre', label: 'Tu nombre', autoComplete: 'name', hint: 'Es como te verá tu profesor.', maxLength: MAX_NAME_LENGTH },
            ]}
          />
          <p className="auth-aside">
            ¿Eres profesor? <Link href="/profesor/entrar">Entra aquí</Link>.
          </p>
        </>
      ) : (
        <p className="lead">
          Este sitio funciona en modo individual: no hace falta unirse a ningún curso y tu avance se guarda en este navegador. <Link href="/">Ir a los cursos</Link>.
        </p>
      )}
    </div>
  );
}
