'use client';

import { useSyncExternalStore } from 'react';
import { loadCompletions, saveCompletion } from '@/app/progreso/actions';
import { keepsProgressOnServer, sessionInfo } from '@/components/site/session.client';

/**
 * Completion marks: in this browser's localStorage when studying alone (single-user mode), on
 * the server when a student of a course is signed in (so they come back on any browser).
 * In course mode without a student session, marks live only in memory: a shared classroom
 * computer must not show one student's marks to the next.
 */
const KEY = 'cauce:completed';
const listeners = new Set<() => void>();
/** JSON list of marks when not using localStorage; null = localStorage (single-user mode). */
let memory: string | null = null;
let resolving: Promise<void> | undefined;

function notify() {
  listeners.forEach((l) => l());
}

function resolveSource() {
  resolving ??= sessionInfo().then(async (info) => {
    if (info.mode !== 'course') return;
    memory = '[]';
    notify();
    if (keepsProgressOnServer(info)) {
      memory = JSON.stringify(await loadCompletions().catch(() => []));
      notify();
    }
  });
}

function read(): string {
  if (memory !== null) return memory;
  try {
    return window.localStorage.getItem(KEY) ?? '[]';
  } catch {
    return '[]';
  }
}

function parse(raw: string): Set<string> {
  try {
    const value: unknown = JSON.parse(raw);
    return new Set(Array.isArray(value) ? value.map(String) : []);
  } catch {
    return new Set();
  }
}

function subscribe(listener: () => void) {
  resolveSource();
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

export function setCompleted(lessonKey: string, done: boolean) {
  const set = parse(read());
  if (done) set.add(lessonKey);
  else set.delete(lessonKey);
  if (memory !== null) {
    memory = JSON.stringify([...set]);
    void sessionInfo().then(async (info) => {
      if (keepsProgressOnServer(info)) await saveCompletion(lessonKey, done).catch(() => undefined);
    });
  } else {
    window.localStorage.setItem(KEY, JSON.stringify([...set]));
  }
  notify();
}

/** Whether a lesson ("course/slug") is marked done; false during server rendering. */
export function useCompleted(lessonKey: string): boolean {
  const raw = useSyncExternalStore(subscribe, read, () => '[]');
  return parse(raw).has(lessonKey);
}

/** Every lesson marked done (the course overview); empty during server rendering. */
export function useCompletedSet(): ReadonlySet<string> {
  const raw = useSyncExternalStore(subscribe, read, () => '[]');
  return parsedSet(raw);
}

let lastRaw = '';
let lastSet: ReadonlySet<string> = new Set();
function parsedSet(raw: string): ReadonlySet<string> {
  if (raw !== lastRaw) {
    lastRaw = raw;
    lastSet = parse(raw);
  }
  return lastSet;
}
