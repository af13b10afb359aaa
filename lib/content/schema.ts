import { z } from 'zod';

/** Snippet kinds of the run contract (DESIGN.md, "Snippet kinds"). */
export const SnippetKind = z
  .enum(['kafka-ts', 'kafka-py', 'airflow-dag', 'pyspark', 'shell'])
  .describe('How a Runnable example is executed by the lab');
export type SnippetKind = z.infer<typeof SnippetKind>;

/**
 * The server's own measurement a shell example declares (`<Runnable kind="shell" probe="…">`),
 * run after the student's script in the same sandbox and shown as a table under its output.
 */
export const RunnableProbe = z.enum(['hadoop-prerequisites']).describe("A probe of lib/runs/shell/ run after a shell example's script");
export type RunnableProbe = z.infer<typeof RunnableProbe>;

/**
 * A lab service a shell example uses (`<Runnable kind="shell" lab="hadoop">`): its run starts it
 * on demand and relays only its gated endpoints into the sandbox. Declared, never guessed from code.
 */
export const RunnableLab = z.enum(['hadoop']).describe('The lab service a shell example uses (its endpoints are relayed into the sandbox)');
export type RunnableLab = z.infer<typeof RunnableLab>;

/** Frontmatter of one lesson file: content/<course>/<slug>.mdx. */
export const LessonFrontmatter = z.strictObject({
  title: z.string().min(3).describe('Lesson title in Spanish, shown as the page heading'),
  course: z.string().regex(/^[a-z0-9-]+$/).describe('Slug of the course folder the lesson belongs to'),
  order: z.number().int().positive().describe('1-based position of the lesson inside its course'),
  summary: z.string().min(10).describe('One Spanish sentence shown in the course index'),
  duration: z.number().int().min(1).max(60).describe('Estimated minutes to finish the lesson'),
  objectives: z.array(z.string().min(3)).min(1).describe('What the student will be able to do'),
  prerequisites: z.array(z.string()).describe('Lessons or knowledge expected before starting'),
});
export type LessonFrontmatter = z.infer<typeof LessonFrontmatter>;

/** Metadata of one course: content/<course>/course.json. */
export const CourseMeta = z.strictObject({
  title: z.string().min(3).describe('Course title in Spanish'),
  summary: z.string().min(10).describe('One Spanish sentence for the course index'),
  order: z.number().int().positive().describe('Position of the course on the home page'),
  source: z.string().describe('Title of the article the course is made from'),
});
export type CourseMeta = z.infer<typeof CourseMeta>;

/** One editable file of a Runnable example, extracted from its fenced code block at build time. */
export const SnippetFile = z.strictObject({
  name: z.string().min(1).describe('File name shown on the editor tab, e.g. producer.ts'),
  language: z.enum(['typescript', 'python', 'shell']).describe('Monaco language id'),
  code: z.string().describe('Initial content of the file, restored by "Restablecer"'),
});
export type SnippetFile = z.infer<typeof SnippetFile>;
