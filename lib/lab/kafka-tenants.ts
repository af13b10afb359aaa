import { adminSaslFromEnv } from '@/lab/kafka/credentials';
import { TenantAdmin } from '@/lab/kafka/tenants';
import { kafkaBrokers } from '@/lib/env';

// One per server process; on globalThis so dev reloads do not leave a JVM per reload.
const holder = globalThis as typeof globalThis & { __cauceKafkaTenants?: { key: string; admin: TenantAdmin } };

/**
 * The server's Kafka tenant admin (students' principals, client quotas, prefixed ACLs,
 * namespace resets), or undefined when the server has no admin credential: an external
 * cluster used without SASL, where runs are neither isolated nor limited. The embedded lab
 * always has one (KAFKA_ADMIN_* from the launcher). On an external cluster with admin
 * credentials the quotas and ACLs hold too; the topic caps need the lab's broker policy
 * installed there (lab/kafka/limits.ts says which limit lives where).
 */
export function kafkaTenants(): TenantAdmin | undefined {
  const admin = adminSaslFromEnv();
  if (!admin) return undefined;
  const brokers = kafkaBrokers();
  const key = `${brokers.join(',')}|${admin.username}|${admin.password}`;
  if (holder.__cauceKafkaTenants?.key !== key) {
    holder.__cauceKafkaTenants?.admin.close();
    holder.__cauceKafkaTenants = { key, admin: new TenantAdmin({ brokers, admin }) };
  }
  return holder.__cauceKafkaTenants.admin;
}

/**
 * Provisions a student who just joined a course, in the background, so their first "Ejecutar"
 * does not pay for it (a class joins within a minute or two, and the tenant admin batches the
 * provisions that arrive together). Nothing waits on it: a failure is only logged, and the
 * student's first run provisions again, since ensureStudent does not keep a failure.
 */
export function provisionJoinedStudent(student: string, tenants: () => Pick<TenantAdmin, 'ensureStudent'> | undefined = kafkaTenants): void {
  const failed = (error: unknown) => console.error('[kafka] could not provision a student who joined (their first run will try again)', error);
  try {
    tenants()?.ensureStudent(student).catch(failed);
  } catch (error) {
    // A bad lab configuration throws at once: joining the course must not fail for it.
    failed(error);
  }
}
