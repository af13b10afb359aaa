'use server';

import { currentUser } from '@/lib/auth/current';
import { JOIN_FIRST, runOptionsFor } from '@/lib/auth/run-options';
import { ownerKey } from '@/lib/auth/user';
import { findOwnRun } from '@/lib/runs/registry';
import type { StartRunResult } from '@/lib/runs/schema';
import { startRun as start } from '@/lib/runs/start';

/**
 * Starts a run of the student's code; the page then follows /api/runs/:id/events. The owner
 * comes from the session cookie, never from the request.
 */
export async function startRun(input: unknown): Promise<StartRunResult> {
  const user = await currentUser();
  if (!user) return { ok: false, message: JOIN_FIRST };
  const { status: _status, ...result } = await start(input, runOptionsFor(user));
  return result;
}

/** "Detener": asks a running (or queued) run of this user to stop; someone else's id is unknown. */
export async function stopRun(runId: unknown): Promise<{ ok: boolean }> {
  const user = await currentUser();
  const run = user && typeof runId === 'string' ? findOwnRun(runId, ownerKey(user)) : undefined;
  run?.stop();
  return { ok: Boolean(run) };
}
