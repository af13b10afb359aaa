import { db } from '@/lib/db';
import { perProcess } from '@/lib/per-process';
import { recordAttempt } from '@/lib/db/exercises';
import type { Run } from '@/lib/runs/run';
import { judge, whenEnded } from './check';
import { findExercise } from './exercises';
import type { VerdictResult, Verdict } from './schema';

/** The page asks as it sees the exit; the server's run may still be writing it. */
const END_WAIT_MS = 5_000;
/** Verdicts kept per run (a reload shows the same one again without judging twice). */
const MAX_KEPT = 1_000;

const kept = perProcess('retos:verdicts', () => new Map<string, Promise<Verdict>>());

export const VERDICT_MESSAGES = {
  unknownExercise: 'Este reto no existe (¿se actualizó la lección?). Recarga la página.',
  notThisExercise: 'Esa ejecución no es de este reto: pulsa «Ejecutar y comprobar» en el propio reto.',
  gone: 'Esta ejecución ya no está en el servidor (se guardan unos minutos). Vuelve a pulsar «Ejecutar y comprobar».',
  stillRunning: 'La ejecución aún no ha terminado: el reto se comprueba cuando termina. Espera a que acabe o pulsa «Detener».',
  failed: 'No se pudo comprobar el reto por un problema del servidor. Vuelve a intentarlo.',
} as const;

/**
 * The verdict of one ended run of a Reto (judged once, then kept), recorded as an attempt for a
 * course's student. `run` must already be the caller's own (findOwnRun).
 */
export async function verdictFor(run: Run | undefined, exercise: string, studentId: string | null): Promise<VerdictResult> {
  const definition = findExercise(exercise);
  if (!definition) return { ok: false, message: VERDICT_MESSAGES.unknownExercise };
  if (!run) return { ok: false, message: VERDICT_MESSAGES.gone };
  if (run.request.snippet !== exercise) return { ok: false, message: VERDICT_MESSAGES.notThisExercise };
  if (!(await whenEnded(run, END_WAIT_MS))) return { ok: false, message: VERDICT_MESSAGES.stillRunning };
  let verdict = kept.get(run.id);
  if (!verdict) {
    verdict = judge({ exercise, definition, runId: run.id, student: run.student, events: run.history(), request: run.request, endedAt: run.endedAt });
    kept.set(run.id, verdict);
    if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
  }
  try {
    const result = await verdict;
    // Asking again may find the lab readable: only conclusive verdicts are kept.
    if (result.inconclusive) kept.delete(run.id);
    if (studentId && !result.inconclusive) {
      await recordAttempt(await db(), { runId: run.id, studentId, exercise, passed: result.passed, failed: result.requirements.filter((r) => !r.met).map((r) => r.id) });
    }
    return { ok: true, verdict: result };
  } catch (error) {
    kept.delete(run.id);
    console.error('[retos] verdict failed', error);
    return { ok: false, message: VERDICT_MESSAGES.failed };
  }
}
