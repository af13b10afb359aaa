import Link from 'next/link';
import type { Lesson } from '@/lib/content/load';

/** Previous / next lesson inside the same course. */
export function Pager({ previous, next }: { previous?: Lesson; next?: Lesson }) {
  return (
    <nav aria-label="Lecciones anterior y siguiente" className="pager">
      {previous ? (
        <Link href={previous.href} rel="prev" className="pager-link">
          <span className="pager-label">← Anterior</span>
          <span>{previous.frontmatter.title}</span>
        </Link>
      ) : (
        <span />
      )}
      {next ? (
        <Link href={next.href} rel="next" className="pager-link pager-next">
          <span className="pager-label">Siguiente →</span>
          <span>{next.frontmatter.title}</span>
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
