'use client';

import { useSyncExternalStore } from 'react';
import { loadCompletions, saveCompletion } from '@/app/progreso/actions';
import { progressSource } from '@/components/site/progress-source.client';

/** Completion marks, kept where the student's progress lives (components/site/progress-source.client.ts). */
const source = progressSource({ key: 'cauce:completed', empty: '[]', loadFromServer: async () => JSON.stringify(await loadCompletions()) });
const read = () => source.read();

function parse(raw: string): Set<string> {
  try {
    const value: unknown = JSON.parse(raw);
    return new Set(Array.isArray(value) ? value.map(String) : []);
  } catch {
    return new Set();
  }
}

/**
 * Marks a lesson done or not. For a course's student the mark is shown once the server has it
 * (a few tens of ms): shown at once, a student who left the page right away could lose it.
 */
export async function setCompleted(lessonKey: string, done: boolean): Promise<void> {
  // A click while the session is still being asked must not go to localStorage (fresh-clone CI3).
  if ((await source.home()) === 'server') await saveCompletion(lessonKey, done).catch(() => undefined);
  const set = parse(read());
  if (done) set.add(lessonKey);
  else set.delete(lessonKey);
  source.write(JSON.stringify([...set]));
}

/** Whether a lesson ("course/slug") is marked done; false during server rendering. */
export function useCompleted(lessonKey: string): boolean {
  const raw = useSyncExternalStore(source.subscribe, read, () => '[]');
  return parse(raw).has(lessonKey);
}

/** Every lesson marked done (the course overview); empty during server rendering. */
export function useCompletedSet(): ReadonlySet<string> {
  const raw = useSyncExternalStore(source.subscribe, read, () => '[]');
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
