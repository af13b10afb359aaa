import { loadCourses } from '../lib/content/load';
import { expect, test } from './fixtures';

const courses = loadCourses();
const lessons = courses.flatMap((course) => course.lessons.map((lesson) => ({ course, lesson })));

test('el índice muestra los tres cursos con sus lecciones y duraciones', async ({ page, externalRequests }) => {
  await page.goto('/');
  for (const course of courses) {
    const card = page.getByRole('article', { name: course.meta.title });
    await expect(card).toBeVisible();
    await expect(card.getByText(`${course.lessons.length} lecciones · ${course.duration} min`)).toBeVisible();
    for (const lesson of course.lessons) {
      await expect(card.getByRole('link', { name: lesson.frontmatter.title, exact: true })).toBeVisible();
    }
  }
  expect(externalRequests).toEqual([]);
});

test('el alumno visita cada lección y ve su título y su primer párrafo, sin salir de la máquina', async ({ page, externalRequests }) => {
  test.setTimeout(30_000 + lessons.length * 10_000);
  for (const { lesson } of lessons) {
    await page.goto(lesson.href);
    await expect(page.getByRole('heading', { level: 1 }), lesson.file).toHaveText(lesson.frontmatter.title);
    await expect(page.locator('.prose > p').first(), lesson.file).toHaveText(lesson.lead);
    // Scroll to the end so lazily loaded parts (Monaco, its workers, kafkajs types) load too.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForLoadState('networkidle');
  }
  expect(externalRequests).toEqual([]);
});

test('anterior/siguiente y las migas de pan recorren el curso', async ({ page }) => {
  const [first, second] = courses[0]!.lessons;
  await page.goto(first!.href);
  await page.getByRole('link', { name: new RegExp(`Siguiente.*${second!.frontmatter.title}`) }).click();
  await expect(page).toHaveURL(second!.href);
  await page.getByRole('navigation', { name: 'Ruta de navegación' }).getByRole('link', { name: courses[0]!.meta.title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(courses[0]!.meta.title);
});

test('la tabla de contenidos lleva a cada sección', async ({ page }) => {
  const lesson = lessons.find(({ lesson }) => lesson.headings.length > 1)!.lesson;
  await page.goto(lesson.href);
  const toc = page.getByRole('navigation', { name: 'En esta lección' });
  const last = lesson.headings.at(-1)!;
  await toc.getByRole('link', { name: last.text, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`#${last.id}$`));
  await expect(page.locator(`[id="${last.id}"]`)).toBeInViewport();
});
