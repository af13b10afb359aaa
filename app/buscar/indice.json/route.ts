import { searchDocuments } from '@/lib/content/search-index';

export const dynamic = 'force-static';

/** The lesson search index, generated at build time and fetched only when the search box is used. */
export function GET() {
  return Response.json(searchDocuments());
}
