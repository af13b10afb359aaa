import type { SandboxResult } from '@/lib/sandbox';
import type { EndReason } from './schema';

/** How a sandboxed program ended, as a run's exit says it: a non-zero code or a signal is `failed`. */
export function sandboxEndReason(result: SandboxResult): EndReason {
  if (result.reason === 'finished') return result.exitCode === 0 && !result.signal ? 'finished' : 'failed';
  return result.reason;
}
