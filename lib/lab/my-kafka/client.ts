import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from '@/lib/env';
import { CauceError } from '@/lib/errors';
import { kafkaTenants } from '@/lib/lab/kafka-tenants';

/** A failure of Mi Kafka, Spanish and safe to show. */
export class MyKafkaError extends CauceError {}

export const MY_KAFKA_MESSAGES = {
  unreachable: 'El laboratorio de Kafka no responde ahora mismo. Espera unos segundos a que se recupere (el estado aparece arriba) y pulsa «Actualizar».',
  noAccess: 'No se pudo preparar tu acceso al laboratorio de Kafka (tu usuario y tus permisos). Vuelve a intentarlo en unos segundos.',
  refused: (prefix: string) => `Kafka rechazó la operación: solo puedes ver y cambiar temas y grupos que empiecen por «${prefix}».`,
  outside: (prefix: string) => `Ese nombre no es de tu espacio: tus temas y grupos empiezan por «${prefix}».`,
  groupActive: (groupId: string) =>
    `El grupo «${groupId}» tiene consumidores activos, y Kafka solo mueve los offsets de un grupo vacío. Detén primero el consumidor (botón «Detener» de su ejemplo) y vuelve a intentarlo.`,
  unknownTopic: (topic: string) => `El tema «${topic}» ya no existe.`,
  joinFirst: 'Para ver tu Kafka, únete primero al curso con su código (enlace «Unirse» arriba).',
  failed: 'Kafka no pudo completar la operación. Vuelve a intentarlo en unos segundos.',
} as const;

/**
 * Short limits: the panel refreshes every few seconds, and a dead broker must answer "no
 * responde" in a few seconds, not after kafkajs's default minute of retries.
 */
const CONNECTION_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;

/** The student's own client: their SCRAM principal (the broker's prefixed ACLs hold) and their prefix. */
export interface StudentKafka {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly isolated: boolean;
}

export async function studentKafka(student: string): Promise<StudentKafka> {
  const tenants = kafkaTenants();
  let access;
  try {
    access = await tenants?.ensureStudent(student);
  } catch (error) {
    throw new MyKafkaError(MY_KAFKA_MESSAGES.noAccess, { cause: error, retriable: true });
  }
  const kafka = new Kafka({
    clientId: 'cauce-mi-kafka',
    brokers: kafkaBrokers(),
    ...(access ? { sasl: { ...access.sasl } } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  });
  return { kafka, prefix: access?.prefix ?? '', isolated: access !== undefined };
}

const CONNECTION = /KafkaJSConnection|ECONNREFUSED|ECONNRESET|Connection (error|timeout)|Closed connection|KafkaJSRequestTimeoutError|KafkaJSNumberOfRetriesExceeded/;
const AUTHORIZATION = /AUTHORIZATION_FAILED|Not authorized/i;

/** kafkajs's failure as the student's Spanish message (the chain of causes is searched). */
export function explain(error: unknown, prefix: string): MyKafkaError {
  if (error instanceof MyKafkaError) return error;
  const texts: string[] = [];
  for (let e: unknown = error; e instanceof Error && texts.length < 5; e = (e as { originalError?: unknown }).originalError ?? e.cause) {
    texts.push(`${e.name} ${e.message} ${(e as { type?: string }).type ?? ''}`);
  }
  const text = texts.join(' ');
  if (AUTHORIZATION.test(text)) return new MyKafkaError(MY_KAFKA_MESSAGES.refused(prefix), { cause: error });
  if (CONNECTION.test(text)) return new MyKafkaError(MY_KAFKA_MESSAGES.unreachable, { cause: error, retriable: true });
  return new MyKafkaError(MY_KAFKA_MESSAGES.failed, { cause: error, retriable: true });
}

/** A name the student may touch: under their prefix. The broker's ACLs would refuse the rest; this says why first. */
export function assertOwn(name: string, prefix: string): void {
  if (!name.startsWith(prefix) || name.startsWith('__')) throw new MyKafkaError(MY_KAFKA_MESSAGES.outside(prefix));
}
