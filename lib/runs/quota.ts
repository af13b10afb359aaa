import { RateLimiter, spanishWait } from '@/lib/auth/rate-limit';
import { perProcess } from '@/lib/per-process';
import { serverEnv } from '@/lib/env';
import { DEFAULT_RUNS_PER_MINUTE, MAX_WAITING_PER_STUDENT } from '@/lib/limits';
import { pendingRuns } from './registry';
import { LOCAL_OWNER, type RunOwner } from './run';

/** Runs one student may start per minute: CAUCE_RUNS_PER_MINUTE, else {@link DEFAULT_RUNS_PER_MINUTE}. */
export function runsPerMinute(): number {
  return serverEnv().CAUCE_RUNS_PER_MINUTE ?? DEFAULT_RUNS_PER_MINUTE;
}

function limiter(): RateLimiter {
  return perProcess('runs:rate-limiter', () => new RateLimiter(runsPerMinute(), 60_000));
}

/**
 * The per-student quota (course mode only; studying alone has no quota): at most
 * {@link runsPerMinute} starts a minute and {@link MAX_WAITING_PER_STUDENT} waiting.
 * Returns a Spanish reason when this start is refused; counts it when allowed.
 */
export function takeRunQuota(owner: RunOwner): string | undefined {
  if (owner.key === LOCAL_OWNER.key) return undefined;
  if (pendingRuns(owner.key).waiting >= MAX_WAITING_PER_STUDENT) {
    return `Ya tienes ${MAX_WAITING_PER_STUDENT} ejecuciones esperando turno. Espera a que terminen o detén alguna antes de lanzar otra.`;
  }
  const wait = limiter().take(owner.key);
  if (wait > 0) {
    return `Has lanzado demasiadas ejecuciones seguidas (máximo ${runsPerMinute()} por minuto). Espera ${spanishWait(wait)} y vuelve a intentarlo.`;
  }
  return undefined;
}

/** Tests: start every student's quota afresh. */
export function resetRunQuotas(): void {
  limiter().reset();
}
