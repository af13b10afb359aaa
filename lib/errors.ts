/**
 * The base of every failure Cauce expects and can explain (KafkaJS's KafkaJSError is the model).
 * `message` is Spanish and written for whoever reads it, safe to show as is: no stack, no
 * secret, and in the errors a run can meet (the sandbox's, the Airflow pool's, the scheduler's)
 * no server path either; the technical detail travels in `cause`. `retriable` says whether the
 * same request may succeed later (a busy lab, a broker coming back): callers read its value.
 *
 * Subclasses by concern: SandboxError (lib/sandbox/errors.ts), LabError (lab/errors.ts),
 * SchedulerError, DagPoolBusyError, BodyTooLargeError, ContentError. This module imports
 * nothing, so the lab's own code can extend it too.
 */
export class CauceError extends Error {
  /** True when the same request may succeed later; false when retrying cannot help. */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/**
 * What a student reads when something failed: a {@link CauceError}'s own Spanish message, else
 * `fallback` (an unexpected error's text is for the server log, never for the page).
 */
export function studentMessage(error: unknown, fallback: string): string {
  return error instanceof CauceError ? error.message : fallback;
}
