'use client';

import { useEffect, useState } from 'react';
import type { Heading } from '@/lib/content/headings';

/** A heading counts as reached once its top passes this share of the window's height. */
const REACHED_AT = 0.3;

/**
 * The id of the section being read: the last heading whose top has passed `REACHED_AT` of the
 * window, or none above the first. At the very bottom, the last heading (a short last section
 * never reaches that line).
 */
function currentSection(ids: string[]): string | undefined {
  const line = window.innerHeight * REACHED_AT;
  const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
  let current: string | undefined;
  for (const id of ids) {
    const element = document.getElementById(id);
    if (!element) continue;
    const top = element.getBoundingClientRect().top;
    if (top <= line || (atBottom && top < window.innerHeight)) current = id;
  }
  return current;
}

/** The lesson's table of contents; the section in view is marked (aria-current) as the page scrolls. */
export function TableOfContentsList({ headings }: { headings: Heading[] }) {
  const [current, setCurrent] = useState<string>();
  useEffect(() => {
    const ids = headings.map((h) => h.id);
    let frame = 0;
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setCurrent(currentSection(ids)));
    };
    update();
    window.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    window.addEventListener('hashchange', update);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
      window.removeEventListener('hashchange', update);
    };
  }, [headings]);

  return (
    <ol>
      {headings.map((heading) => (
        <li key={heading.id} className={heading.depth === 3 ? 'toc-sub' : undefined}>
          <a href={`#${heading.id}`} aria-current={heading.id === current ? 'location' : undefined}>
            {heading.text}
          </a>
        </li>
      ))}
    </ol>
  );
}
