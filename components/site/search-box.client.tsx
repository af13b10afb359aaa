'use client';

import type MiniSearch from 'minisearch';
import type { SearchResult } from 'minisearch';
import Link from 'next/link';
import { useEffect, useId, useRef, useState } from 'react';
import type { SearchDocument } from '@/lib/content/search-index';

type Hit = SearchResult & Pick<SearchDocument, 'href' | 'title' | 'course' | 'summary'>;

let index: Promise<MiniSearch<SearchDocument>> | undefined;

/** Fetches the library and the lessons on first use, so the search costs nothing until then. */
function loadIndex() {
  index ??= Promise.all([import('minisearch'), fetch('/buscar/indice.json').then((r) => r.json() as Promise<SearchDocument[]>)])
    .then(([{ default: MiniSearchClass }, docs]) => {
      const search = new MiniSearchClass<SearchDocument>({
        fields: ['title', 'headings', 'summary', 'text'],
        storeFields: ['href', 'title', 'course', 'summary'],
        // Students type without accents: "instalacion" must find "Instalación".
        processTerm: (term) =>
          term
            .normalize('NFD')
            .replace(/\p{Diacritic}/gu, '')
            .toLowerCase(),
        searchOptions: { boost: { title: 3, headings: 2 }, prefix: true, fuzzy: 0.2 },
      });
      search.addAll(docs);
      return search;
    })
    .catch((error: unknown) => {
      index = undefined;
      throw error;
    });
  return index;
}

export function SearchBox() {
  const inputId = useId();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<Hit[]>([]);
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (query.trim().length < 2) return;
    let current = true;
    loadIndex()
      .then((search) => {
        if (current) setHits(search.search(query).slice(0, 8) as Hit[]);
        setFailed(false);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, [query]);

  useEffect(() => {
    const close = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('click', close);
    return () => document.removeEventListener('click', close);
  }, []);

  const showResults = open && query.trim().length >= 2;
  return (
    <div className="search" ref={root} role="search" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <label htmlFor={inputId} className="visually-hidden">
        Buscar lecciones
      </label>
      <input
        id={inputId}
        type="search"
        placeholder="Buscar lecciones…"
        autoComplete="off"
        value={query}
        aria-controls={showResults ? listId : undefined}
        onFocus={() => {
          setOpen(true);
          void loadIndex().catch(() => setFailed(true));
        }}
        onChange={(e) => {
          setQuery(e.target.value);
          // Too short to search: drop the hits, so the next query does not show them while it loads.
          if (e.target.value.trim().length < 2) setHits([]);
          setOpen(true);
        }}
      />
      {showResults && (
        <div className="search-results" id={listId} aria-live="polite">
          {failed ? (
            <p className="search-empty">No se pudo cargar el índice de búsqueda. Recarga la página e inténtalo de nuevo.</p>
          ) : hits.length === 0 ? (
            <p className="search-empty">Sin resultados para «{query}».</p>
          ) : (
            <ul aria-label="Resultados de búsqueda">
              {hits.map((hit) => (
                <li key={hit.href}>
                  <Link href={hit.href} onClick={() => setOpen(false)}>
                    <span className="search-hit-title">{hit.title}</span>
                    <span className="search-hit-course">{hit.course}</span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
