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
