import type { ComponentProps } from 'react';

/** Code blocks scroll sideways on small screens; tabIndex lets keyboard users scroll them too. */
export function Pre(props: ComponentProps<'pre'>) {
  return <pre tabIndex={0} {...props} />;
}
