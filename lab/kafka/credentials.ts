import { createHmac } from 'node:crypto';
import { envVar, type EnvSource } from '../../lib/env';

/** A kafkajs `sasl` option; only SCRAM-SHA-512 is used by the lab. */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

/**
 * The admin credential the launcher hands to the site's server (KAFKA_ADMIN_USERNAME,
 * KAFKA_ADMIN_PASSWORD), or undefined: an external cluster without them is used without
 * SASL and without isolation.
 */
export function adminSaslFromEnv(source?: EnvSource): KafkaSasl | undefined {
  const username = envVar('KAFKA_ADMIN_USERNAME', source)?.trim();
  const password = envVar('KAFKA_ADMIN_PASSWORD', source);
  if (!username || !password) return undefined;
  return { mechanism: 'scram-sha-512', username, password };
}

/** What a student's run may know about Kafka: their own principal and prefix. */
export interface StudentKafkaAccess {
  readonly sasl: KafkaSasl;
  /** Topics and consumer groups they may use start with this, e.g. `ana_3f2a.`. */
  readonly prefix: string;
}

/**
 * A student id as a Kafka name part: lowercase ASCII letters, digits and `_` (no `.`, so
 * one student's prefix `ana.` is never a prefix of another's `ana_b.`). The DAG namespace
 * (lib/runs/airflow/scheduler.ts) is this same slug.
 */
export function studentSlug(student: string): string {
  const slug = student
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  if (!slug) throw new RangeError(`identificador de alumno no válido: ${JSON.stringify(student)}`);
  return slug;
}

/**
 * A student's principal, password and prefix. The password is an HMAC of the admin password
 * and the slug: stable across restarts, so nothing per student is stored, and it reveals
 * nothing about the admin password or another student's.
 */
export function studentAccess(student: string, admin: KafkaSasl): StudentKafkaAccess {
  const slug = studentSlug(student);
  const password = createHmac('sha256', admin.password).update(`cauce-kafka-student:${slug}`).digest('hex');
  return { sasl: { mechanism: 'scram-sha-512', username: `alumno-${slug}`, password }, prefix: `${slug}.` };
}
