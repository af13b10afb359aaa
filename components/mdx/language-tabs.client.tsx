'use client';

import { Children, useId, useSyncExternalStore, type ReactNode } from 'react';
import { FileTabs } from './file-tabs.client';

/** The student's last choice, for every tab group of every lesson (a page shows one language). */
const STORAGE_KEY = 'cauce:lenguaje';
/** Tells the other tab groups of the page that the choice changed. */
const CHANGED = 'cauce:lenguaje';
const NO_ERRORS: ReadonlySet<string> = new Set();

export interface LanguageTabsClientProps {
  /** One label per panel, e.g. ["Python", "TypeScript"]. */
  labels: string[];
  /** The panels (Runnables), in the labels' order. */
  children: ReactNode;
}

/**
 * Language tabs (WAI-ARIA tabs, as the file tabs): every panel stays mounted, hidden when not
 * chosen, so an editor keeps its edits and a run its output while the student looks at the other
 * language. Choosing a language chooses it in every tab group of the page, and is remembered.
 */
export function LanguageTabsClient({ labels, children }: LanguageTabsClientProps) {
  const id = useId();
  // The server renders the first language; the page then shows the student's last choice.
  const chosen = useSyncExternalStore(
    subscribe,
    () => localStorage.getItem(STORAGE_KEY),
    () => null,
  );
  const selected = Math.max(0, chosen ? labels.indexOf(chosen) : 0);
  const panels = Children.toArray(children);

  const choose = (index: number) => {
    const label = labels[index];
    if (!label) return;
    localStorage.setItem(STORAGE_KEY, label);
    window.dispatchEvent(new Event(CHANGED));
  };

  return (
    <div className="language-tabs">
      <FileTabs
        label="Lenguaje del ejemplo"
        names={labels}
        selected={selected}
        onSelect={choose}
        tabId={(index) => `${id}-lenguaje-${index}`}
        panelId={(index) => `${id}-ejemplo-${index}`}
        withErrors={NO_ERRORS}
      />
      {panels.map((panel, index) => (
        <div key={labels[index] ?? index} role="tabpanel" id={`${id}-ejemplo-${index}`} aria-labelledby={`${id}-lenguaje-${index}`} hidden={index !== selected}>
          {panel}
        </div>
      ))}
    </div>
  );
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener('storage', onChange); // another tab of the browser
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener('storage', onChange);
  };
}
