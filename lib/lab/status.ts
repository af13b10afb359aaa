import { checkAirflow, type AirflowHealth } from '@/lab/airflow/health';
import { AIRFLOW_VERSION } from '@/lab/airflow/version';
import { checkKafka, type KafkaHealth } from '@/lab/kafka/health';
import { KAFKA_VERSION } from '@/lab/kafka/version';
import { readServiceStates, type ServiceState } from '@/lab/service-state';
import { kafkaBrokers, serverEnv, type EnvSource } from '@/lib/env';
import { perProcess } from '@/lib/per-process';
import { airflowSignIn, type AirflowSignIn } from './airflow-sign-in';
import { hadoopStatus } from './hadoop-status';

/**
 * What the launcher's supervisor says of a service whose probe failed (lab/service-state.ts):
 * "restarting" is not the same news as "down". `since` is ms since the epoch on the server's
 * clock, like `checkedAt`, so the badge can say "desde hace 12 s" whatever the browser's clock.
 */
export type SupervisorView = Pick<ServiceState, 'state' | 'since' | 'reason'>;

export interface LabStatus {
  /** `supervisor` only when the probe failed and the launcher wrote a state (see {@link SupervisorView}). */
  kafka: KafkaHealth & { mode: 'embedded' | 'external'; bootstrap: string; supervisor?: SupervisorView };
  /** Absent when this server was started without Airflow. */
  airflow?: AirflowHealth & {
    mode: 'embedded' | 'external';
    version?: string;
    uiUrl: string;
    supervisor?: SupervisorView;
    /** How to sign in to the UI: only on the badge's status, and only studying alone (lib/lab/airflow-sign-in.ts). */
    signIn?: AirflowSignIn;
  };
  /** Absent when this server has no Hadoop: the badge's part of the cluster summary (lib/lab/hadoop-status.ts). */
  hadoop?: {
    ok: boolean;
    error?: string;
    mode: 'embedded' | 'external';
    version?: string;
    supervisor?: SupervisorView;
    /** Embedded and never started: it starts when a Hadoop lesson asks. */
    startable: boolean;
  };
  checkedAt: string;
}

/**
 * The launcher's word on a service, added only when its probe failed: a probe that answered
 * wins over a file the launcher may not have rewritten yet (or left behind when it was killed).
 */
function supervisorOf(probeOk: boolean, state: ServiceState | undefined): { supervisor?: SupervisorView } {
  if (probeOk || !state) return {};
  return { supervisor: { state: state.state, since: state.since, ...(state.reason ? { reason: state.reason } : {}) } };
}

const FRESH_MS = 2_000;
/** How old a good status a run may start on (its own connection to the brokers is the real test). */
const RUN_TRUSTS_MS = 30_000;
interface Checks {
  last?: { at: number; status: Promise<LabStatus> };
  lastGood?: { at: number; status: LabStatus };
}
/** Shared by every route and the run path: one check every couple of seconds per process, not per module copy. */
const checks = (): Checks => perProcess('lab:status', () => ({}));

/**
 * The lab's state as lessons show it. Checks are shared for a couple of seconds so forty
 * open pages polling cost one metadata request, not forty.
 */
export function labStatus(): Promise<LabStatus> {
  const shared = checks();
  if (shared.last && Date.now() - shared.last.at < FRESH_MS) return shared.last.status;
  const env = serverEnv();
  const mode = env.CAUCE_LAB_MODE;
  const brokers = kafkaBrokers();
  const apiUrl = env.AIRFLOW_API_URL;
  const status = Promise.all([
    checkKafka(brokers, 1_500, { version: mode === 'embedded' ? KAFKA_VERSION : undefined }),
    apiUrl ? checkAirflow(apiUrl, 1_500) : Promise.resolve(undefined),
    hadoopStatus(),
  ]).then(([kafka, airflow, hadoop]) => {
    // Read after the probes, so a restart that began while they ran is already in it. Only the
    // embedded services are the launcher's: in external mode an entry is a previous run's.
    const supervised = readServiceStates();
    return {
      kafka: { ...kafka, mode, bootstrap: brokers.join(','), ...supervisorOf(kafka.ok, mode === 'embedded' ? supervised.kafka : undefined) },
      airflow: airflow && {
        ...airflow,
        mode: env.CAUCE_AIRFLOW_MODE,
        version: env.CAUCE_AIRFLOW_MODE === 'embedded' ? AIRFLOW_VERSION : undefined,
        uiUrl: env.AIRFLOW_UI_URL ?? apiUrl!,
        ...supervisorOf(airflow.ok, env.CAUCE_AIRFLOW_MODE === 'embedded' ? supervised.airflow : undefined),
      },
      ...(hadoop
        ? {
            hadoop: {
              ok: hadoop.ok,
              mode: hadoop.mode,
              startable: hadoop.startable,
              ...(hadoop.error ? { error: hadoop.error } : {}),
              ...(hadoop.version ? { version: hadoop.version } : {}),
              ...(hadoop.supervisor ? { supervisor: hadoop.supervisor } : {}),
            },
          }
        : {}),
      checkedAt: new Date().toISOString(),
    };
  });
  const at = Date.now();
  shared.last = { at, status };
  void status.then((done) => {
    if (done.kafka.ok && (!shared.lastGood || shared.lastGood.at < at)) shared.lastGood = { at, status: done };
  });
  return status;
}

/**
 * What a run starts on: the last good status while it is recent, without waiting for a new
 * check (a stale shared status cost each click a SCRAM login, about 100–300 ms); a new check
 * runs in the background meanwhile. Without a recent good one, the badge's own check.
 */
export function labStatusForRun(): Promise<LabStatus> {
  const { last, lastGood } = checks();
  if (lastGood && Date.now() - lastGood.at < RUN_TRUSTS_MS) {
    if (!last || Date.now() - last.at >= FRESH_MS) void labStatus().catch(() => undefined);
    return Promise.resolve(lastGood.status);
  }
  return labStatus();
}

/** The status the lesson badge polls: in single-user mode it also says how to sign in to Airflow's UI. */
export async function labStatusForBadge(source?: EnvSource): Promise<LabStatus> {
  const status = await labStatus();
  const signIn = status.airflow && airflowSignIn(source);
  return signIn && status.airflow ? { ...status, airflow: { ...status.airflow, signIn } } : status;
}
