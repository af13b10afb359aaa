import { Kafka, logLevel } from 'kafkajs';
import { envVar } from '../../lib/env';
import { adminSaslFromEnv, type KafkaSasl } from './credentials';
import { KAFKA_VERSION } from './version';

export interface KafkaHealth {
  /** A broker answered a metadata request (DescribeCluster) in time. */
  readonly ok: boolean;
  /** Brokers the cluster reports; 0 when it did not answer. */
  readonly brokers: number;
  /** Their advertised `host:port` addresses (what clients connect to after bootstrap). */
  readonly addresses?: readonly string[];
  /** Kafka version, when known (the embedded lab's pinned version). */
  readonly version?: string;
  /** Spanish reason when not ok, for the site's status and the CLI. */
  readonly error?: string;
}

export interface CheckKafkaOptions {
  /**
   * Version to report when the check succeeds. The Kafka protocol does not tell a
   * client the broker's release, so this can only come from who started it.
   * @default the embedded lab's version, or none when KAFKA_BROKERS points elsewhere
   */
  readonly version?: string;
  /**
   * Credential for a cluster with SASL (the embedded lab always has it).
   * @default the admin's from KAFKA_ADMIN_USERNAME / KAFKA_ADMIN_PASSWORD, else none
   */
  readonly sasl?: KafkaSasl;
}

/**
 * Asks the cluster for its brokers, the cheapest request that proves it is really
 * serving (an open port alone does not: a starting or stuck broker accepts TCP).
 * Never throws and always settles within about timeoutMs; no retries, no logs, so the
 * site's server can call it for every status request.
 */
export async function checkKafka(brokers: string[], timeoutMs = 3_000, options: CheckKafkaOptions = {}): Promise<KafkaHealth> {
  const version = 'version' in options ? options.version : envVar('KAFKA_BROKERS') ? undefined : KAFKA_VERSION;
  const sasl = options.sasl ?? adminSaslFromEnv();
  if (brokers.length === 0) return { ok: false, brokers: 0, error: 'No hay brokers de Kafka configurados.' };

  let admin: ReturnType<Kafka['admin']> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const kafka = new Kafka({
      clientId: 'cauce-health',
      brokers,
      connectionTimeout: Math.min(timeoutMs, 1_000),
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
      ...(sasl ? { sasl: { ...sasl } } : {}),
    });
    admin = kafka.admin({ retry: { retries: 0 } });
    const connectedAdmin = admin;
    const check = (async () => {
      await connectedAdmin.connect();
      return connectedAdmin.describeCluster();
    })();
    // A kafkajs request can outlive its own timeouts (e.g. a server that accepts the
    // connection and never answers), so the deadline is enforced here too.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`sin respuesta en ${timeoutMs} ms`)), timeoutMs);
    });
    check.catch(() => undefined); // the loser of the race must not become unhandled
    const cluster = await Promise.race([check, deadline]);
    const addresses = cluster.brokers.map((b) => `${b.host}:${b.port}`);
    return { ok: true, brokers: cluster.brokers.length, addresses, ...(version ? { version } : {}) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, brokers: 0, error: `Kafka no responde en ${brokers.join(', ')}: ${reason}` };
  } finally {
    clearTimeout(timer);
    // Disconnect in the background: the answer is already known.
    admin?.disconnect().catch(() => undefined);
  }
}
