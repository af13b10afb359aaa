/** Helpers shared by the run specs that put the site's server on a real test broker (not a spec itself). */
import { vi } from 'vitest';
import type { KafkaSasl } from '@/lab/kafka/credentials';

/**
 * What the launcher gives the site's server for a lab on these brokers (lab/index.ts: running.env),
 * as Vitest env stubs: the bootstrap, the mode and the admin that creates the students' principals.
 */
export function stubSiteLabEnv(lab: { brokers: string; adminSasl: KafkaSasl; mode: 'embedded' | 'external'; labDir?: string }): void {
  vi.stubEnv('KAFKA_BROKERS', lab.brokers);
  vi.stubEnv('CAUCE_LAB_MODE', lab.mode);
  vi.stubEnv('KAFKA_ADMIN_USERNAME', lab.adminSasl.username);
  vi.stubEnv('KAFKA_ADMIN_PASSWORD', lab.adminSasl.password);
  if (lab.labDir) vi.stubEnv('CAUCE_LAB_DIR', lab.labDir);
}

/** The other half, for afterAll: the site's tenant admin (a JVM) closed and the env as it was. */
export async function releaseSiteLab(): Promise<void> {
  const { kafkaTenants } = await import('@/lib/lab/kafka-tenants');
  kafkaTenants()?.close();
  vi.unstubAllEnvs();
}
