'use client';

import { useActionState, useEffect } from 'react';
import type { FormState } from '@/app/sesion/actions';

/** One labelled input of a sign-in form; the error message is tied to it for screen readers. */
export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'password';
  autoComplete: string;
  hint?: string;
  maxLength?: number;
}

export interface SignInFormProps {
  action: (previous: FormState, form: FormData) => Promise<FormState>;
  fields: FieldSpec[];
  submit: string;
  /** Hidden fields (e.g. where to go back after joining). */
  hidden?: Record<string, string>;
}

/** The join and instructor sign-in forms: server action, Spanish errors, no client-side secrets. */
export function SignInForm({ action, fields, submit, hidden = {} }: SignInFormProps) {
  const [state, formAction, pending] = useActionState(action, {});
  useEffect(() => {
    if (state.done) window.location.assign(state.done);
  }, [state.done]);
  return (
    <form action={formAction} className="form-card" noValidate>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {fields.map((field, index) => {
        const invalid = state.field === field.name || (!state.field && Boolean(state.message) && index === 0);
        const describedBy = [field.hint && `${field.name}-ayuda`, invalid && 'form-error'].filter(Boolean).join(' ') || undefined;
        return (
          <div key={field.name} className="field">
            <label htmlFor={field.name}>{field.label}</label>
            <input
              id={field.name}
              name={field.name}
              type={field.type ?? 'text'}
              autoComplete={field.autoComplete}
              maxLength={field.maxLength}
              defaultValue={state.values?.[field.name]}
              required
              aria-invalid={invalid || undefined}
              aria-describedby={describedBy}
              autoFocus={index === 0}
            />
            {field.hint && (
              <p id={`${field.name}-ayuda`} className="field-hint">
                {field.hint}
              </p>
            )}
          </div>
        );
      })}
      {state.message && (
        <p id="form-error" role="alert" className="form-error">
          {state.message}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={pending || Boolean(state.done)}>
        {pending || state.done ? 'Un momento…' : submit}
      </button>
    </form>
  );
}
