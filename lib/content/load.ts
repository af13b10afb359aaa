import fs from 'node:fs';
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { ContentError } from './errors';
import { extractHeadings, type Heading } from './headings';
import { firstParagraph } from './plain-text';
import { CourseMeta, LessonFrontmatter } from './schema';

export const CONTENT_DIR = path.join(process.cwd(), 'content');

export interface LessonSummary {
  course: string;
  slug: string;
  href: string;
  frontmatter: LessonFrontmatter;
}

export interface Lesson extends LessonSummary {
  /** MDX body without frontmatter. */
  body: string;
  headings: Heading[];
  lead: string;
  file: string;
}

export interface Course {
  slug: string;
  href: string;
  meta: CourseMeta;
  lessons: Lesson[];
  /** Total estimated minutes of the course. */
  duration: number;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ContentError(file, z.prettifyError(result.error));
  return result.data;
}

function readLesson(courseSlug: string, file: string): Lesson {
  const relative = path.relative(process.cwd(), file);
  const { data, content } = matter(fs.readFileSync(file, 'utf8'));
  const frontmatter = parseWith(LessonFrontmatter, data, relative);
  if (frontmatter.course !== courseSlug) {
    throw new ContentError(relative, `✖ course: es "${frontmatter.course}" pero el archivo está en content/${courseSlug}/`);
  }
  const slug = path.basename(file, '.mdx');
  return {
    course: courseSlug,
    slug,
    href: `/cursos/${courseSlug}/${slug}`,
    frontmatter,
    body: content,
    headings: extractHeadings(content),
    lead: firstParagraph(content),
    file: relative,
  };
}

function readCourse(dir: string): Course {
  const slug = path.basename(dir);
  const metaFile = path.join(dir, 'course.json');
  const relativeMeta = path.relative(process.cwd(), metaFile);
  if (!fs.existsSync(metaFile)) throw new ContentError(relativeMeta, '✖ falta course.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch (error) {
    throw new ContentError(relativeMeta, `✖ JSON inválido: ${(error as Error).message}`);
  }
  const meta = parseWith(CourseMeta, raw, relativeMeta);
  const lessons = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.mdx'))
    .map((name) => readLesson(slug, path.join(dir, name)))
    .sort((a, b) => a.frontmatter.order - b.frontmatter.order);
  lessons.forEach((lesson, index) => {
    if (lesson.frontmatter.order !== index + 1) {
      throw new ContentError(lesson.file, `✖ order: se esperaba ${index + 1} (las lecciones se numeran 1, 2, 3… sin huecos)`);
    }
  });
  const duration = lessons.reduce((sum, l) => sum + l.frontmatter.duration, 0);
  return { slug, href: `/cursos/${slug}`, meta, lessons, duration };
}

/** Every course under a folder, validated; throws ContentError naming the file and the field. */
export function loadCoursesFrom(contentDir: string): Course[] {
  // The folder is only known at run time (tests use fixtures); the app's own content is traced
  // through outputFileTracingIncludes, so the bundler need not follow this call.
  return fs
    .readdirSync(/*turbopackIgnore: true*/ contentDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readCourse(path.join(/*turbopackIgnore: true*/ contentDir, entry.name)))
    .sort((a, b) => a.meta.order - b.meta.order);
}

let cache: Course[] | undefined;

/** The site's courses (content/), read and validated once per server process. */
export function loadCourses(): Course[] {
  cache ??= loadCoursesFrom(CONTENT_DIR);
  return cache;
}

export function findCourse(slug: string): Course | undefined {
  return loadCourses().find((course) => course.slug === slug);
}

export interface LessonInContext {
  course: Course;
  lesson: Lesson;
  previous?: Lesson;
  next?: Lesson;
}

export function findLesson(courseSlug: string, lessonSlug: string): LessonInContext | undefined {
  const course = findCourse(courseSlug);
  const index = course?.lessons.findIndex((l) => l.slug === lessonSlug) ?? -1;
  if (!course || index < 0) return undefined;
  return {
    course,
    lesson: course.lessons[index]!,
    previous: course.lessons[index - 1],
    next: course.lessons[index + 1],
  };
}

/** A course's lessons as its progress overview needs them (components/lesson/course-progress.client.tsx). */
export function progressLessons(course: Course, exercises: Map<string, string[]>): { key: string; href: string; exercises: string[] }[] {
  return course.lessons.map((lesson) => {
    const key = `${lesson.course}/${lesson.slug}`;
    return { key, href: lesson.href, exercises: exercises.get(key) ?? [] };
  });
}
