import { envVar, type EnvSource } from '@/lib/env';

/**
 * Single-user mode (the default: someone studying alone on a laptop, no join step, progress in
 * the browser) or course mode (CAUCE_MODE=course: students join with a code, instructors sign
 * in, everything is kept on the server). Read at request time, so one build serves both.
 */
export type SiteMode = 'single' | 'course';

export function siteMode(source?: EnvSource): SiteMode {
  return envVar('CAUCE_MODE', source) === 'course' ? 'course' : 'single';
}
