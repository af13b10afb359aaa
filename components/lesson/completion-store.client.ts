'use client';

import { useSyncExternalStore } from 'react';

/** Completion marks kept in this browser (server-side progress comes with course hosting). */
const KEY = 'cauce:completed';
const listeners = new Set<() => void>();

function read(): string {
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
  window.localStorage.setItem(KEY, JSON.stringify([...set]));
  listeners.forEach((l) => l());
}

/** Whether a lesson ("course/slug") is marked done; false during server rendering. */
export function useCompleted(lessonKey: string): boolean {
  const raw = useSyncExternalStore(subscribe, read, () => '[]');
  return parse(raw).has(lessonKey);
}
