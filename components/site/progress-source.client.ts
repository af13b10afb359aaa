'use client';

import { keepsProgressOnServer, sessionInfo } from '@/components/site/session.client';

/**
 * Where one kind of a student's progress lives (lesson completion marks, Retos), as raw JSON:
 * this browser's localStorage when studying alone (single-user mode); the server for a
 * course's signed-in student, so it follows them to any browser; memory only on a course's
 * page without a student session, because a shared classroom computer must not show one
 * student's progress to the next. Each store keeps its own format and server calls.
 */
export interface ProgressSource {
  /** The raw JSON now (the empty value until the server answered). */
  read(): string;
  /** Stores a new raw JSON value and tells every subscriber. */
  write(raw: string): void;
  /** For useSyncExternalStore; resolves where the progress lives on first use. */
  subscribe(listener: () => void): () => void;
  /**
   * Where the progress lives, once known (and, for a course's student, once the server's copy
   * is loaded): a change made before that would land in the wrong place or be overwritten.
   */
  home(): Promise<ProgressHome>;
}

/** `browser`: localStorage; `server`: a course's student; `memory`: a course page without a student. */
export type ProgressHome = 'browser' | 'server' | 'memory';

export function progressSource(options: {
  /** localStorage key, e.g. `cauce:completed`. */
  key: string;
  /** The raw JSON of no progress, e.g. `[]`. */
  empty: string;
  /** The course student's progress from the server, as raw JSON. */
  loadFromServer: () => Promise<string>;
}): ProgressSource {
  const { key, empty, loadFromServer } = options;
  const listeners = new Set<() => void>();
  /** Raw JSON when not using localStorage; null = localStorage (single-user mode). */
  let memory: string | null = null;
  let resolving: Promise<ProgressHome> | undefined;
  const notify = () => listeners.forEach((listener) => listener());

  function resolveSource(): Promise<ProgressHome> {
    resolving ??= sessionInfo().then(async (info): Promise<ProgressHome> => {
      if (info.mode !== 'course') return 'browser';
      memory = empty;
      notify();
      if (!keepsProgressOnServer(info)) return 'memory';
      memory = await loadFromServer().catch(() => empty);
      notify();
      return 'server';
    });
    return resolving;
  }

  return {
    read() {
      if (memory !== null) return memory;
      try {
        return window.localStorage.getItem(key) ?? empty;
      } catch {
        return empty;
      }
    },
    write(raw) {
      if (memory !== null) memory = raw;
      else window.localStorage.setItem(key, raw);
      notify();
    },
    subscribe(listener) {
      void resolveSource();
      listeners.add(listener);
      window.addEventListener('storage', listener);
      return () => {
        listeners.delete(listener);
        window.removeEventListener('storage', listener);
      };
    },
    home: resolveSource,
  };
}
