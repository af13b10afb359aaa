import { compileMDX } from 'next-mdx-remote/rsc';
import rehypePrettyCode, { type Options as PrettyCodeOptions } from 'rehype-pretty-code';
import rehypeSlug from 'rehype-slug';
import remarkGfm from 'remark-gfm';
import { mdxComponents } from '@/components/mdx';
import { ContentError } from './errors';
import type { Lesson } from './load';
import { remarkRunnable } from './remark-runnable';

/** Both themes are emitted; CSS picks one from the page theme, so no highlighting runs in the browser. */
const prettyCode: PrettyCodeOptions = {
  // High-contrast variants: the regular GitHub themes have tokens under 4.5:1 (WCAG AA).
  theme: { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' },
  keepBackground: false,
  defaultLang: { block: 'plaintext' },
};

/** Compiles a lesson's MDX to React at build time; errors name the lesson file. */
export async function compileLesson(lesson: Lesson) {
  try {
    const { content } = await compileMDX({
      source: lesson.body,
      components: mdxComponents,
      options: {
        mdxOptions: {
          remarkPlugins: [remarkGfm, [remarkRunnable, { lessonKey: `${lesson.course}/${lesson.slug}` }]],
          rehypePlugins: [rehypeSlug, [rehypePrettyCode, prettyCode]],
        },
      },
    });
    return content;
  } catch (error) {
    throw new ContentError(lesson.file, `✖ MDX: ${(error as Error).message}`);
  }
}
