'use client';

import { useSyncExternalStore } from 'react';

type Theme = 'light' | 'dark';

/** The theme is data-theme on <html>: the layout's script sets it before paint, this switch after. */
function subscribe(onChange: () => void) {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}

const read = (): Theme => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light');

/** Light/dark switch; the choice is kept in this browser (the layout applies it before paint). */
export function ThemeToggle() {
  // null while rendering on the server, which cannot know the theme.
  const theme = useSyncExternalStore<Theme | null>(subscribe, read, () => null);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={next === 'dark' ? 'Cambiar a tema oscuro' : 'Cambiar a tema claro'}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        window.localStorage.setItem('cauce:theme', next);
      }}
    >
      <span aria-hidden="true">{theme === 'dark' ? '☀' : '☾'}</span>
    </button>
  );
}
