'use client';

import { useSyncExternalStore } from 'react';
import { loadExerciseProgress, recordHint } from '@/app/retos/actions';
import { progressSource } from '@/components/site/progress-source.client';

/**
 * Which Retos the student passed and what help they took, kept where completion marks are
 * (components/site/progress-source.client.ts). For a course's student the server records the
 * verdicts itself; this mirrors them.
 */
export interface ExerciseProgress {
  passed: string[];
  help: Record<string, { hints: number; solution: boolean }>;
}

const EMPTY = '{"passed":[],"help":{}}';
const source = progressSource({ key: 'cauce:retos', empty: EMPTY, loadFromServer: async () => JSON.stringify(await loadExerciseProgress()) });
const read = () => source.read();

const parsedCache = new Map<string, ExerciseProgress>();
function parse(raw: string): ExerciseProgress {
  let parsed = parsedCache.get(raw);
  if (parsed) return parsed;
  try {
    const value = JSON.parse(raw) as Partial<ExerciseProgress>;
    parsed = { passed: Array.isArray(value.passed) ? value.passed.map(String) : [], help: typeof value.help === 'object' && value.help ? value.help : {} };
  } catch {
    parsed = { passed: [], help: {} };
  }
  parsedCache.clear();
  parsedCache.set(raw, parsed);
  return parsed;
}

function write(next: ExerciseProgress) {
  source.write(JSON.stringify(next));
}

/** A passing verdict (the server already recorded it for a course's student). */
export function markPassed(exercise: string) {
  const current = parse(read());
  if (!current.passed.includes(exercise)) write({ ...current, passed: [...current.passed, exercise] });
}

/** One more hint shown; recorded on the server for a course's student. */
export function markHints(exercise: string, hints: number) {
  const current = parse(read());
  const help = current.help[exercise] ?? { hints: 0, solution: false };
  if (hints <= help.hints) return;
  write({ ...current, help: { ...current.help, [exercise]: { ...help, hints } } });
  void recordHint(exercise, hints).catch(() => undefined);
}

/** The solution was opened (the server records it when it hands the solution over). */
export function markSolutionSeen(exercise: string) {
  const current = parse(read());
  const help = current.help[exercise] ?? { hints: 0, solution: false };
  write({ ...current, help: { ...current.help, [exercise]: { ...help, solution: true } } });
}

/** The student's Retos progress; empty during server rendering. */
export function useExerciseProgress(): ExerciseProgress {
  return parse(useSyncExternalStore(source.subscribe, read, () => EMPTY));
}
