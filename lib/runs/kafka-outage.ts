import { checkKafka } from '@/lab/kafka/health';
import { readServiceStates, wasDownBetween } from '@/lab/service-state';
import { RUN_MESSAGES } from './messages';

/** kafkajs's words when a connection to a broker is refused, dropped or left unanswered. */
export const CONNECTION_LOST =
  /KafkaJSConnectionError|KafkaJSConnectionClosedError|KafkaJSNumberOfRetriesExceeded|KafkaJSRequestTimeoutError|ECONNREFUSED|ECONNRESET|Connection error|Closed connection|Connection timeout/;

const PROBE_TIMEOUT_MS = 3_000;

/** Why a run could not start on Kafka, in Spanish: "it is restarting" when the launcher says so, else the general "not available". */
export function kafkaUnavailableMessage(): string {
  const state = readServiceStates().kafka?.state;
  return state === 'restarting' || state === 'starting' ? RUN_MESSAGES.kafkaRestarting : RUN_MESSAGES.labUnavailable;
}

/**
 * Why a program that failed after losing its connection to Kafka failed, when it was the lab's
 * doing: the Spanish explanation, or undefined when the lab stayed up (the program's own
 * connection, e.g. a wrong address, is the student's to fix). The launcher's supervisor says
 * whether Kafka went down between `fromMs` and now (lab/service-state.ts); without a launcher
 * (external mode, a bare `next start`) a probe of the brokers now decides.
 */
export async function kafkaOutageDuring(fromMs: number, brokers: string[]): Promise<string | undefined> {
  const kafka = readServiceStates().kafka;
  if (wasDownBetween(kafka, fromMs, Date.now())) return RUN_MESSAGES.kafkaRestarted;
  if (kafka) return undefined;
  const health = await checkKafka(brokers, PROBE_TIMEOUT_MS, { version: undefined });
  return health.ok ? undefined : RUN_MESSAGES.kafkaLost;
}
