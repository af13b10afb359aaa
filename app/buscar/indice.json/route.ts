import { searchDocuments } from '@/lib/content/search-index';

export const dynamic = 'force-static';

/** The search index (each lesson's opening and sections), generated at build time and fetched only when the search box is used. */
export function GET() {
  return Response.json(searchDocuments());
}
