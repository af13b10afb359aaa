import GithubSlugger from 'github-slugger';

export interface Heading {
  depth: 2 | 3;
  text: string;
  /** Same id rehype-slug gives the rendered heading, so TOC links land. */
  id: string;
}

const FENCE = /^\s*(```|~~~)/;

/** A stretch of an MDX body: what comes before the first heading (no heading), or one heading's. */
export interface Section {
  heading?: Heading;
  /** The MDX of the section, without its heading line. */
  body: string;
}

/** An MDX body cut at its second- and third-level headings (code fences are not cut). */
export function splitSections(body: string): Section[] {
  const slugger = new GithubSlugger();
  const sections: Section[] = [{ body: '' }];
  const lines: string[][] = [[]];
  let inFence = false;
  for (const line of body.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    const match = inFence ? null : /^(#{2,3})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!match?.[1] || !match[2]) {
      lines.at(-1)!.push(line);
      continue;
    }
    const text = match[2].replace(/[`*_]/g, '');
    sections.push({ heading: { depth: match[1].length as 2 | 3, text, id: slugger.slug(text) }, body: '' });
    lines.push([]);
  }
  return sections.map((section, i) => ({ ...section, body: lines[i]!.join('\n') }));
}

/** Second- and third-level headings of an MDX body, for the table of contents. */
export function extractHeadings(body: string): Heading[] {
  return splitSections(body).flatMap((section) => (section.heading ? [section.heading] : []));
}
