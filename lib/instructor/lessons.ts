import { loadCourses } from '@/lib/content/load';

/** Every lesson of the site as the progress grid's columns: key "course/slug" and its title. */
export function lessonColumns(): { key: string; title: string; course: string }[] {
  return loadCourses().flatMap((course) => course.lessons.map((lesson) => ({ key: `${course.slug}/${lesson.slug}`, title: lesson.frontmatter.title, course: course.meta.title })));
}
