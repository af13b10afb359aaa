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
  /** Spanish reason when not ok, for the site's status and the CLI: what failed and what it likely means. */
  readonly error?: string;
  /** The raw cause when not ok (kafkajs's or Node's English words), for logs and the badge's tooltip. */
  readonly technical?: string;
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

/** This module's own deadline, told apart from kafkajs's errors when classifying. */
class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
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
  if (brokers.length === 0) return { ok: false, brokers: 0, error: 'No hay brokers de Kafka configurados' };

  const connectionTimeout = Math.min(timeoutMs, 1_000);
  let admin: ReturnType<Kafka['admin']> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const kafka = new Kafka({
      clientId: 'cauce-health',
      brokers,
      connectionTimeout,
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
      timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    check.catch(() => undefined); // the loser of the race must not become unhandled
    const cluster = await Promise.race([check, deadline]);
    const addresses = cluster.brokers.map((b) => `${b.host}:${b.port}`);
    return { ok: true, brokers: cluster.brokers.length, addresses, ...(version ? { version } : {}) };
  } catch (error) {
    return { ok: false, brokers: 0, ...kafkaProblem(error, brokers, { timeoutMs, connectionTimeout }) };
  } finally {
    clearTimeout(timer);
    // Disconnect in the background: the answer is already known.
    admin?.disconnect().catch(() => undefined);
  }
}

/** The fields an error and its causes may carry: kafkajs wraps Node's socket error (with its `code`) in its own. */
type ErrorFields = { name?: unknown; code?: unknown; type?: unknown; broker?: unknown; message?: unknown; cause?: unknown };

function causeChain(error: unknown): ErrorFields[] {
  const chain: ErrorFields[] = [];
  for (let link = error; typeof link === 'object' && link !== null && chain.length < 5; link = (link as ErrorFields).cause) {
    chain.push(link as ErrorFields);
  }
  return chain;
}

/** "1,5 s": the Spanish way, as the badge reads it. */
function seconds(ms: number): string {
  return `${new Intl.NumberFormat('es-ES', { maximumFractionDigits: 1 }).format(ms / 1_000)} s`;
}

/**
 * Why a check failed, in words a student can act on, from what kafkajs threw (a refused
 * connection, a timeout, an unknown host, refused credentials); the raw cause stays in
 * `technical`. Exported for its unit tests.
 */
export function kafkaProblem(error: unknown, brokers: readonly string[], timeouts: { timeoutMs: number; connectionTimeout: number }): { error: string; technical: string } {
  const chain = causeChain(error);
  // kafkajs repeats its cause's message in its wrapper: each distinct one once.
  const technical = [...new Set(chain.map((e) => (typeof e.message === 'string' ? e.message : String(e))))].join(': ') || String(error);
  const is = (...marks: string[]) => chain.some((e) => [e.name, e.code, e.type].some((field) => typeof field === 'string' && marks.includes(field)));
  const said = (pattern: RegExp) => chain.some((e) => typeof e.message === 'string' && pattern.test(e.message));
  const where = chain.map((e) => e.broker).find((broker) => typeof broker === 'string') ?? brokers.join(', ');
  const spanish = (): string => {
    if (is('KafkaJSSASLAuthenticationError', 'SASL_AUTHENTICATION_FAILED')) {
      return said(/mechanism is not supported/i)
        ? `Kafka en ${where} no admite el método de autenticación del sitio (revisa su configuración SASL)`
        : `Kafka en ${where} rechazó las credenciales del sitio`;
    }
    if (is('ECONNREFUSED')) return `Kafka no acepta conexiones en ${where} (¿está arrancando o detenido?)`;
    if (is('ENOTFOUND', 'EAI_AGAIN')) return `No se encuentra el servidor de Kafka «${where}»: revisa la dirección de los brokers`;
    if (is('DeadlineExceeded', 'KafkaJSRequestTimeoutError')) {
      return `Kafka en ${where} no respondió en ${seconds(timeouts.timeoutMs)} (¿está arrancando o muy ocupado?)`;
    }
    if (is('ETIMEDOUT') || said(/^Connection timeout$/)) {
      return `Kafka en ${where} no aceptó la conexión en ${seconds(timeouts.connectionTimeout)} (¿está arrancando o muy ocupado?)`;
    }
    if (is('KafkaJSConnectionClosedError', 'ECONNRESET', 'EPIPE')) return `Kafka en ${where} cerró la conexión sin responder (¿está arrancando o deteniéndose?)`;
    return `Kafka en ${where} no responde como se esperaba`;
  };
  return { error: spanish(), technical };
}
