import { kafkajsDeclarations } from '@/lib/content/kafkajs-types';

export const dynamic = 'force-static';

/** kafkajs typings for the editor, built once at build time and cached as a static file. */
export function GET() {
  return new Response(kafkajsDeclarations(), {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=86400' },
  });
}
