import { checkKafka, type KafkaHealth } from '@/lab/kafka/health';
import { KAFKA_VERSION } from '@/lab/kafka/version';
import { kafkaBrokers, serverEnv } from '@/lib/env';

export interface LabStatus {
  kafka: KafkaHealth & { mode: 'embedded' | 'external'; bootstrap: string };
  checkedAt: string;
}

const FRESH_MS = 2_000;
let last: { at: number; status: Promise<LabStatus> } | undefined;

/**
 * The lab's state as lessons show it. Checks are shared for a couple of seconds so forty
 * open pages polling cost one metadata request, not forty.
 */
export function labStatus(): Promise<LabStatus> {
  if (last && Date.now() - last.at < FRESH_MS) return last.status;
  const { CAUCE_LAB_MODE: mode } = serverEnv();
  const brokers = kafkaBrokers();
  const status = checkKafka(brokers, 1_500, { version: mode === 'embedded' ? KAFKA_VERSION : undefined }).then((kafka) => ({
    kafka: { ...kafka, mode, bootstrap: brokers.join(',') },
    checkedAt: new Date().toISOString(),
  }));
  last = { at: Date.now(), status };
  return status;
}
