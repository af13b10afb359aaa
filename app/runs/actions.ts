'use server';

import { findRun } from '@/lib/runs/registry';
import type { StartRunResult } from '@/lib/runs/schema';
import { startRun as start } from '@/lib/runs/start';

/** Starts a run of the student's code; the page then follows /api/runs/:id/events. */
export async function startRun(input: unknown): Promise<StartRunResult> {
  const { status: _status, ...result } = start(input);
  return result;
}

/** "Detener": asks a running (or queued) run to stop. */
export async function stopRun(runId: unknown): Promise<{ ok: boolean }> {
  const run = typeof runId === 'string' ? findRun(runId) : undefined;
  run?.stop();
  return { ok: Boolean(run) };
}
