import type MiniSearch from 'minisearch';
import type { Options, SearchOptions, SearchResult } from 'minisearch';
import type { SearchDocument } from './search-index';

/** Words too common to tell lessons apart; as prefixes ("de") they would match half the site. */
const STOP_WORDS = new Set(['a', 'al', 'como', 'con', 'de', 'del', 'el', 'en', 'es', 'la', 'las', 'lo', 'los', 'para', 'por', 'que', 'se', 'su', 'un', 'una', 'y']);

/**
 * "Ejecución", "ejecucion" and "EJECUCIÓN" are one term: students often type without accents.
 * Stop words are dropped (null), in the index and in the query alike.
 */
export function normalizeTerm(term: string): string | null {
  const folded = term
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
  return STOP_WORDS.has(folded) ? null : folded;
}

/**
 * Edits a term may be off by: none for short words (they would match everything), one from four
 * letters, two from five ("kafak" is two edits from "kafka": a swap is a deletion and an insertion).
 */
export function fuzzyDistance(term: string): number | false {
  if (term.length >= 5) return 2;
  if (term.length >= 4) return 1;
  return false;
}

export const SEARCH_QUERY_OPTIONS: SearchOptions = {
  // A section's heading says most about it, then the lesson's title.
  boost: { section: 3, title: 2, summary: 1.5 },
  prefix: true,
  fuzzy: (term) => fuzzyDistance(term),
  // Every word must be found: "consumidor grupo" narrows, it does not widen.
  combineWith: 'AND',
};

/** The one index configuration: the search box builds it in the browser, the specs in Node. */
export const SEARCH_OPTIONS: Options<SearchDocument> = {
  fields: ['title', 'section', 'summary', 'text'],
  storeFields: ['href', 'title', 'section', 'course', 'excerpt'],
  processTerm: normalizeTerm,
  searchOptions: SEARCH_QUERY_OPTIONS,
};

/** A hit as the search box shows it: where it links and what it says. */
export type SearchHit = SearchResult & Pick<SearchDocument, 'href' | 'title' | 'section' | 'course' | 'excerpt'>;

/**
 * The best `limit` hits for what the student typed: every word must match (AND); when nothing
 * has them all, any of them (OR), so one word too many does not leave the list empty.
 */
export function searchLessons(index: MiniSearch<SearchDocument>, query: string, limit = 8): SearchHit[] {
  const all = index.search(query) as SearchHit[];
  const hits = all.length > 0 ? all : (index.search(query, { combineWith: 'OR' }) as SearchHit[]);
  return hits.slice(0, limit);
}
