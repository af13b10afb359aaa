import type { Heading } from '@/lib/content/headings';
import { TableOfContentsList } from './table-of-contents.client';

export function TableOfContents({ headings }: { headings: Heading[] }) {
  if (headings.length === 0) return null;
  return (
    <nav aria-label="En esta lección" className="toc">
      <p className="toc-title">En esta lección</p>
      <TableOfContentsList headings={headings} />
    </nav>
  );
}
