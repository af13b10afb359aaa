import type { Metadata } from 'next';
import { instructorSignInAction } from '@/app/sesion/actions';
import { SignInForm } from '@/components/auth/sign-in-form.client';
import { siteMode } from '@/lib/auth/mode';

export const metadata: Metadata = { title: 'Acceso de profesores' };
export const dynamic = 'force-dynamic';

export default function InstructorSignInPage() {
  return (
    <div className="page-narrow auth-page">
      <h1>Acceso de profesores</h1>
      {siteMode() === 'course' ? (
        <>
          <p className="lead">
            La contraseña inicial se mostró una sola vez en la terminal al arrancar Cauce en modo curso por primera vez (o es la de
            <code> CAUCE_INSTRUCTOR_PASSWORD</code>).
          </p>
          <SignInForm
            action={instructorSignInAction}
            submit="Entrar"
            fields={[
              { name: 'usuario', label: 'Usuario', autoComplete: 'username', hint: 'Por defecto, «profesor».', maxLength: 60 },
              { name: 'contrasena', label: 'Contraseña', type: 'password', autoComplete: 'current-password', maxLength: 200 },
            ]}
          />
        </>
      ) : (
        <p className="lead">
          Este sitio funciona en modo individual. Para alojar un curso con alumnos, arráncalo con <code>CAUCE_MODE=course npm start</code>.
        </p>
      )}
    </div>
  );
}
