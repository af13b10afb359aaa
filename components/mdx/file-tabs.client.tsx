'use client';

import { useRef, type KeyboardEvent } from 'react';

export interface FileTabsProps {
  /** Accessible name of the tab list, e.g. "Archivos del ejemplo". */
  label: string;
  /** File names, one tab each, in the example's order. */
  names: string[];
  selected: number;
  onSelect: (index: number) => void;
  /** Id of the tab for file `index` (its panel names itself after it). */
  tabId: (index: number) => string;
  /** Id of the panel that shows file `index`. */
  panelId: (index: number) => string;
  /** Files the last run reported errors in: their tab says so. */
  withErrors: ReadonlySet<string>;
}

/**
 * The files of one example as tabs (WAI-ARIA tabs pattern, automatic activation): one Tab stop
 * for the whole list, arrow keys and Home/End move between files.
 */
export function FileTabs({ label, names, selected, onSelect, tabId, panelId, withErrors }: FileTabsProps) {
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (event: KeyboardEvent) => {
    const last = names.length - 1;
    const target = { ArrowRight: selected === last ? 0 : selected + 1, ArrowLeft: selected === 0 ? last : selected - 1, Home: 0, End: last }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    onSelect(target);
    tabs.current[target]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="file-tabs" onKeyDown={onKeyDown}>
      {names.map((name, index) => (
        <button
          key={name}
          ref={(el) => {
            tabs.current[index] = el;
          }}
          type="button"
          role="tab"
          id={tabId(index)}
          aria-selected={index === selected}
          aria-controls={panelId(index)}
          tabIndex={index === selected ? 0 : -1}
          className="file-tab"
          onClick={() => onSelect(index)}
        >
          {name}
          {withErrors.has(name) && (
            <span className="file-tab-error">
              <span aria-hidden="true"> ●</span>
              <span className="visually-hidden"> (con errores)</span>
            </span>
          )}
        </button>
      ))}
    </div>
  );
}
