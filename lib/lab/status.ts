import { checkAirflow, type AirflowHealth } from '@/lab/airflow/health';
import { AIRFLOW_VERSION } from '@/lab/airflow/version';
import { checkKafka, type KafkaHealth } from '@/lab/kafka/health';
import { KAFKA_VERSION } from '@/lab/kafka/version';
import { kafkaBrokers, serverEnv } from '@/lib/env';

export interface LabStatus {
  kafka: KafkaHealth & { mode: 'embedded' | 'external'; bootstrap: string };
  /** Absent when this server was started without Airflow. */
  airflow?: AirflowHealth & { mode: 'embedded' | 'external'; version?: string; uiUrl: string };
  checkedAt: string;
}

const FRESH_MS = 2_000;
/** How old a good status a run may start on (its own connection to the brokers is the real test). */
const RUN_TRUSTS_MS = 30_000;
let last: { at: number; status: Promise<LabStatus> } | undefined;
let lastGood: { at: number; status: LabStatus } | undefined;

/**
 * The lab's state as lessons show it. Checks are shared for a couple of seconds so forty
 * open pages polling cost one metadata request, not forty.
 */
export function labStatus(): Promise<LabStatus> {
  if (last && Date.now() - last.at < FRESH_MS) return last.status;
  const env = serverEnv();
  const mode = env.CAUCE_LAB_MODE;
  const brokers = kafkaBrokers();
  const apiUrl = env.AIRFLOW_API_URL;
  const status = Promise.all([
    checkKafka(brokers, 1_500, { version: mode === 'embedded' ? KAFKA_VERSION : undefined }),
    apiUrl ? checkAirflow(apiUrl, 1_500) : Promise.resolve(undefined),
  ]).then(([kafka, airflow]) => ({
    kafka: { ...kafka, mode, bootstrap: brokers.join(',') },
    airflow: airflow && {
      ...airflow,
      mode: env.CAUCE_AIRFLOW_MODE,
      version: env.CAUCE_AIRFLOW_MODE === 'embedded' ? AIRFLOW_VERSION : undefined,
      uiUrl: env.AIRFLOW_UI_URL ?? apiUrl!,
    },
    checkedAt: new Date().toISOString(),
  }));
  const at = Date.now();
  last = { at, status };
  void status.then((done) => {
    if (done.kafka.ok && (!lastGood || lastGood.at < at)) lastGood = { at, status: done };
  });
  return status;
}

/**
 * What a run starts on: the last good status while it is recent, without waiting for a new
 * check (a stale shared status cost each click a SCRAM login, about 100–300 ms); a new check
 * runs in the background meanwhile. Without a recent good one, the badge's own check.
 */
export function labStatusForRun(): Promise<LabStatus> {
  if (lastGood && Date.now() - lastGood.at < RUN_TRUSTS_MS) {
    if (!last || Date.now() - last.at >= FRESH_MS) void labStatus().catch(() => undefined);
    return Promise.resolve(lastGood.status);
  }
  return labStatus();
}
