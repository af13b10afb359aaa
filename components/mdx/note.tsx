import type { ReactNode } from 'react';

export interface NoteProps {
  /** Heading of the callout. @default "Nota" */
  title?: string;
  children: ReactNode;
}

/** A short callout, used mainly for "Qué cambió y por qué" next to modernised code. */
export function Note({ title = 'Nota', children }: NoteProps) {
  return (
    <aside className="note" aria-label={title}>
      <p className="note-title">{title}</p>
      <div className="note-body">{children}</div>
    </aside>
  );
}
