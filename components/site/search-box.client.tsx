'use client';

import type MiniSearch from 'minisearch';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchDocument } from '@/lib/content/search-index';
import { SEARCH_OPTIONS, searchLessons, type SearchHit } from '@/lib/content/search-options';

const MIN_QUERY = 2;

let index: Promise<MiniSearch<SearchDocument>> | undefined;

/** Fetches the library and the lessons on first use, so the search costs nothing until then. */
function loadIndex() {
  index ??= Promise.all([import('minisearch'), fetch('/buscar/indice.json').then((r) => r.json() as Promise<SearchDocument[]>)])
    .then(([{ default: MiniSearchClass }, docs]) => {
      const search = new MiniSearchClass<SearchDocument>(SEARCH_OPTIONS);
      search.addAll(docs);
      return search;
    })
    .catch((error: unknown) => {
      index = undefined;
      throw error;
    });
  return index;
}

/**
 * Typing in a field or in the code editor keeps "/" for itself. Monaco in Chromium types into an
 * EditContext element (a plain div, neither a textarea nor contenteditable), hence its own class.
 */
function isEditable(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"]), [role="textbox"], .monaco-editor') !== null;
}

/**
 * The header's search: a WAI-ARIA combobox with a listbox of hits. The arrows move through the
 * hits (focus stays in the field, `aria-activedescendant` names the active one), Enter opens the
 * active hit (or the first), Escape closes the list and, pressed again, clears the field.
 * "/" anywhere outside a field jumps here.
 */
export function SearchBox() {
  const router = useRouter();
  const inputId = useId();
  const listId = useId();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [searched, setSearched] = useState('');
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (query.trim().length < MIN_QUERY) return;
    let current = true;
    loadIndex()
      .then((search) => {
        if (!current) return;
        setHits(searchLessons(search, query));
        setSearched(query);
        setActive(-1);
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
    const jump = (event: globalThis.KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isEditable(event.target)) return;
      event.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', jump);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', jump);
    };
  }, []);

  const typed = query.trim().length >= MIN_QUERY;
  // Hits of an earlier query stay hidden while the new one is being searched.
  const fresh = searched === query;
  const expanded = open && typed && fresh && hits.length > 0;
  const optionId = (i: number) => `${listId}-${i}`;

  const go = (hit: SearchHit) => {
    setOpen(false);
    setActive(-1);
    router.push(hit.href);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!typed || hits.length === 0) return;
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        if (!expanded) {
          setOpen(true);
          setActive(step === 1 ? 0 : hits.length - 1);
          return;
        }
        // From the field, down goes to the first hit and up to the last; both wrap around.
        setActive((i) => (i === -1 ? (step === 1 ? 0 : hits.length - 1) : (i + step + hits.length) % hits.length));
        return;
      }
      case 'Enter': {
        const hit = expanded ? hits[active === -1 ? 0 : active] : undefined;
        if (!hit) return;
        event.preventDefault();
        go(hit);
        return;
      }
      case 'Escape':
        event.preventDefault();
        if (expanded || (open && typed)) {
          setOpen(false);
          setActive(-1);
        } else {
          setQuery('');
          setHits([]);
        }
        return;
    }
  };

  useEffect(() => {
    if (active >= 0) document.getElementById(`${listId}-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const count = hits.length === 1 ? '1 resultado' : `${hits.length} resultados`;
  return (
    <div className="search" ref={root} role="search">
      <label htmlFor={inputId} className="visually-hidden">
        Buscar lecciones
      </label>
      <input
        ref={input}
        id={inputId}
        type="search"
        role="combobox"
        placeholder="Buscar lecciones… (/)"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-keyshortcuts="/"
        value={query}
        onKeyDown={onKeyDown}
        onFocus={() => {
          setOpen(true);
          void loadIndex().catch(() => setFailed(true));
        }}
        onChange={(e) => {
          setQuery(e.target.value);
          // Too short to search: drop the hits, so the next query does not show them while it loads.
          if (e.target.value.trim().length < MIN_QUERY) setHits([]);
          setOpen(true);
        }}
      />
      {/* Said to screen readers as the results change; the list itself is read as they move through it. */}
      <p className="visually-hidden" role="status">
        {open && typed && fresh && !failed ? (hits.length > 0 ? `${count}. Usa las flechas para recorrerlos e Intro para abrir uno.` : 'Ningún resultado.') : ''}
      </p>
      <div className="search-results" hidden={!(open && typed && (failed || fresh))}>
        {failed ? (
          <p className="search-empty">No se pudo cargar el índice de búsqueda. Recarga la página e inténtalo de nuevo.</p>
        ) : hits.length === 0 ? (
          <p className="search-empty">Sin resultados para «{query}». Prueba con otra palabra.</p>
        ) : null}
        <ul id={listId} role="listbox" aria-label="Resultados de búsqueda" hidden={!expanded}>
          {expanded &&
            hits.map((hit, i) => (
              <li
                key={hit.href}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'search-hit search-hit-active' : 'search-hit'}
                // Keeps the focus in the field, so the arrows and Escape still work after a click.
                onMouseDown={(e) => e.preventDefault()}
                onMouseMove={() => i !== active && setActive(i)}
                onClick={() => go(hit)}
              >
                <span className="search-hit-title">{hit.section ?? hit.title}</span>
                <span className="search-hit-where">{hit.section ? `${hit.title} · ${hit.course}` : hit.course}</span>
                {hit.excerpt && <span className="search-hit-excerpt">{hit.excerpt}</span>}
              </li>
            ))}
        </ul>
      </div>
    </div>
  );
}
