import { loadCourses } from '../lib/content/load';

/**
 * The code a lesson's runnable example starts with: the fenced block titled `name` after the
 * lesson's first `<Runnable` (the original article's code above it is not what the editor holds).
 */
export function lessonCode(slug: string, name: string): string {
  const lesson = loadCourses()
    .flatMap((c) => c.lessons)
    .find((l) => l.slug === slug);
  if (!lesson) throw new Error(`No hay ninguna lección «${slug}».`);
  const start = lesson.body.indexOf('<Runnable');
  if (start < 0) throw new Error(`La lección «${slug}» no tiene ejemplos ejecutables.`);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const code = new RegExp('```\\w+ title="' + escaped + '"\\n([\\s\\S]*?)```').exec(lesson.body.slice(start))?.[1];
  if (code === undefined) throw new Error(`La lección «${slug}» no tiene el archivo «${name}».`);
  return code;
}
