'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { signOutAction } from '@/app/sesion/actions';
import { useSessionInfo } from './session.client';

/**
 * Who is signed in, and "Salir" (course mode only; studying alone shows nothing). Filled in
 * after load from /api/session, so lesson pages stay static.
 */
export function SessionMenu() {
  const info = useSessionInfo();
  const pathname = usePathname();
  if (!info || info.mode !== 'course') return null;
  const { user } = info;
  if (!user) {
    return (
      <nav className="session-menu" aria-label="Sesión">
        <Link href={pathname && pathname !== '/unirse' ? `/unirse?siguiente=${encodeURIComponent(pathname)}` : '/unirse'} className="button button-primary">
          Unirse
        </Link>
      </nav>
    );
  }
  return (
    <nav className="session-menu" aria-label="Sesión">
      <span className="session-who">
        {user.role === 'student' ? (
          <>
            <span className="visually-hidden">Has entrado como </span>
            <strong>{user.name}</strong>
            <span className="session-course"> · {user.course}</span>
          </>
        ) : (
          <>
            <span className="visually-hidden">Has entrado como profesor: </span>
            <Link href="/profesor">{user.name}</Link>
          </>
        )}
      </span>
      <form
        action={async () => {
          window.location.assign(await signOutAction());
        }}
      >
        <button type="submit" className="button">
          Salir
        </button>
      </form>
    </nav>
  );
}
