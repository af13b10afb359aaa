'use client';

import { useSyncExternalStore } from 'react';
import { loadExerciseProgress, recordHint } from '@/app/retos/actions';
import { keepsProgressOnServer, sessionInfo } from '@/components/site/session.client';

/**
 * Which Retos the student passed and what help they took, where completion marks live
 * (components/lesson/completion-store.client.ts): this browser's localStorage when studying
 * alone; the server for a course's student (the verdicts are recorded there, this mirrors
 * them); memory only on a course's page without a student session.
 */
export interface ExerciseProgress {
  passed: string[];
  help: Record<string, { hints: number; solution: boolean }>;
}

const KEY = 'cauce:retos';
const EMPTY = '{"passed":[],"help":{}}';
const listeners = new Set<() => void>();
let memory: string | null = null;
let resolving: Promise<void> | undefined;

const notify = () => listeners.forEach((l) => l());

function resolveSource() {
  resolving ??= sessionInfo().then(async (info) => {
    if (info.mode !== 'course') return;
    memory = EMPTY;
    notify();
    if (keepsProgressOnServer(info)) {
      memory = JSON.stringify(await loadExerciseProgress().catch(() => JSON.parse(EMPTY) as ExerciseProgress));
      notify();
    }
  });
}

function read(): string {
  if (memory !== null) return memory;
  try {
    return window.localStorage.getItem(KEY) ?? EMPTY;
  } catch {
    return EMPTY;
  }
}

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
  const raw = JSON.stringify(next);
  if (memory !== null) memory = raw;
  else window.localStorage.setItem(KEY, raw);
  notify();
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
  return parse(useSyncExternalStore(subscribe, read, () => EMPTY));
}
