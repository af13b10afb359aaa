import { splitSections } from './headings';
import { loadCourses } from './load';
import { toPlainText } from './plain-text';

/**
 * One searchable stretch of a lesson: its opening (no `section`) or one of its sections, linked
 * by the heading's id so a hit lands where the words are. The browser builds a MiniSearch index
 * from these with `SEARCH_OPTIONS` (lib/content/search-options.ts).
 */
export interface SearchDocument {
  id: string;
  /** `/cursos/<course>/<lesson>`, with `#<heading-id>` for a section. */
  href: string;
  /** The lesson's title. */
  title: string;
  /** The section's heading; absent for the lesson's opening. */
  section?: string;
  course: string;
  /** The lesson's summary, indexed with its opening only. */
  summary: string;
  text: string;
  /** The first words of `text`, shown under the hit. */
  excerpt: string;
}

const EXCERPT_CHARS = 140;

function excerptOf(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const cut = text.lastIndexOf(' ', EXCERPT_CHARS);
  return `${text.slice(0, cut > 0 ? cut : EXCERPT_CHARS)}…`;
}

export function searchDocuments(): SearchDocument[] {
  return loadCourses().flatMap((course) =>
    course.lessons.flatMap((lesson) =>
      splitSections(lesson.body).flatMap(({ heading, body }): SearchDocument[] => {
        const text = toPlainText(body);
        // A lesson that starts with a heading has an empty opening: its title still finds it.
        const summary = heading ? '' : lesson.frontmatter.summary;
        if (heading && !text) return [];
        const href = heading ? `${lesson.href}#${heading.id}` : lesson.href;
        return [{ id: href, href, title: lesson.frontmatter.title, section: heading?.text, course: course.meta.title, summary, text, excerpt: excerptOf(text || summary) }];
      }),
    ),
  );
}
