import type { ComponentProps } from 'react';
import { CopyButton } from './copy-button.client';

/**
 * rehype-pretty-code wraps each highlighted block in a <figure data-rehype-pretty-code-figure>;
 * we add a copy button there. Other figures pass through untouched.
 */
export function CodeFigure(props: ComponentProps<'figure'> & { 'data-rehype-pretty-code-figure'?: string }) {
  if (!('data-rehype-pretty-code-figure' in props)) return <figure {...props} />;
  const { children, ...rest } = props;
  return (
    <figure {...rest} className="code-figure">
      <CopyButton />
      {children}
    </figure>
  );
}
