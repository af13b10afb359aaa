'use client';

import { useActionState } from 'react';
import { createCourseAction } from '@/app/profesor/actions';

/** "Crear curso": a title in, a join code out (shown in the status line and in the list). */
export function NewCourseForm() {
  const [state, action, pending] = useActionState(createCourseAction, {});
  return (
    <form action={action} className="form-card form-inline">
      <div className="field">
        <label htmlFor="titulo">Título del nuevo curso</label>
        <input id="titulo" name="titulo" required maxLength={100} aria-describedby={state.message ? 'curso-estado' : undefined} />
      </div>
      <button type="submit" className="button button-primary" disabled={pending}>
        Crear curso
      </button>
      {state.message && (
        <p id="curso-estado" role="status" className={state.ok ? 'form-ok' : 'form-error'}>
          {state.message}
        </p>
      )}
    </form>
  );
}
