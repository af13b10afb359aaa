import { loadCourses } from './load';
import { toPlainText } from './plain-text';

/** One searchable lesson; the browser builds a MiniSearch index from these. */
export interface SearchDocument {
  id: string;
  href: string;
  title: string;
  course: string;
  summary: string;
  headings: string;
  text: string;
}

export function searchDocuments(): SearchDocument[] {
  return loadCourses().flatMap((course) =>
    course.lessons.map((lesson) => ({
      id: lesson.href,
      href: lesson.href,
      title: lesson.frontmatter.title,
      course: course.meta.title,
      summary: lesson.frontmatter.summary,
      headings: lesson.headings.map((h) => h.text).join(' · '),
      text: toPlainText(lesson.body),
    })),
  );
}
