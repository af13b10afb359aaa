import type { ReactNode } from 'react';

export interface OriginalProps {
  /** Summary text of the collapsed block. @default "Código original" */
  title?: string;
  children: ReactNode;
}

/** The article's original code, kept visible as reference but collapsed. */
export function Original({ title = 'Código original', children }: OriginalProps) {
  return (
    <details className="original">
      <summary>{title}</summary>
      <div className="original-body">{children}</div>
    </details>
  );
}
