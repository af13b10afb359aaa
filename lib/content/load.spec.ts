import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentError } from './errors';
import { loadCourses, loadCoursesFrom } from './load';

const fixtures = path.join(import.meta.dirname, '__fixtures__');

describe('content loading', () => {
  it('reads a valid course with its lessons, headings and lead paragraph', () => {
    const [course] = loadCoursesFrom(path.join(fixtures, 'good'));
    expect(course?.meta.title).toBe('Curso de prueba');
    const lesson = course?.lessons[0];
    expect(lesson?.href).toBe('/cursos/demo/intro');
    expect(lesson?.lead).toBe('Primer párrafo de la lección, con código y negrita.');
    expect(lesson?.headings).toEqual([
      { depth: 2, text: 'Un ejemplo', id: 'un-ejemplo' },
      { depth: 3, text: 'Detalle', id: 'detalle' },
    ]);
  });

  it('fails naming the file and the field when the frontmatter is wrong', () => {
    const load = () => loadCoursesFrom(path.join(fixtures, 'bad-field'));
    expect(load).toThrow(ContentError);
    expect(load).toThrow(/bad-field\/demo\/intro\.mdx/);
    expect(load).toThrow(/duration/);
  });

  it('the site content itself is valid: three courses, every lesson 5-15 minutes', () => {
    const courses = loadCourses();
    expect(courses.map((c) => c.slug)).toEqual(['kafka', 'airflow', 'hadoop']);
    for (const lesson of courses.flatMap((c) => c.lessons)) {
      expect(lesson.frontmatter.duration, lesson.file).toBeGreaterThanOrEqual(5);
      expect(lesson.frontmatter.duration, lesson.file).toBeLessThanOrEqual(15);
      expect(lesson.lead.length, `${lesson.file} necesita un primer párrafo`).toBeGreaterThan(20);
    }
  });
});
