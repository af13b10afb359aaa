import { checkHadoop, type HadoopSummary } from '@/lab/hadoop/health';
import { requestHadoopStart } from '@/lab/hadoop/start';
import { HADOOP_VERSION } from '@/lab/hadoop/version';
import { readServiceStates } from '@/lab/service-state';
import { siteHadoop } from './hadoop-endpoints';
import type { SupervisorView } from './status';

export type { ComponentState, RunningApplication } from '@/lab/hadoop/health';

/** The cluster summary a Hadoop lesson shows (like Ambari's dashboard), and the badge's Hadoop. */
export interface HadoopStatus extends HadoopSummary {
  readonly mode: 'embedded' | 'external';
  /** The embedded lab's pinned version; an external cluster's comes from its NameNode (hdfs.version). */
  readonly version?: string;
  /** The launcher's word when the probe failed: starting (with its progress line in `reason`), restarting, gave up. */
  readonly supervisor?: SupervisorView;
  /** Embedded, down and never asked for: a lesson's summary asks the launcher to start it. */
  readonly startable: boolean;
  readonly checkedAt: string;
}

const FRESH_MS = 2_000;
let last: { at: number; status: Promise<HadoopStatus | undefined> } | undefined;

/** Where this server's Hadoop is (set by the launcher), or undefined when it has none. */
function endpoints() {
  const hadoop = siteHadoop();
  return hadoop?.resourcemanagerUrl ? { ...hadoop, resourcemanagerUrl: hadoop.resourcemanagerUrl } : undefined;
}

/**
 * The lab's Hadoop as its NameNode's JMX and ResourceManager's REST report it, shared for two
 * seconds so every open page polling costs one round of requests. Undefined without Hadoop.
 */
export function hadoopStatus(): Promise<HadoopStatus | undefined> {
  if (last && Date.now() - last.at < FRESH_MS) return last.status;
  const where = endpoints();
  const status = where
    ? checkHadoop(where, 1_500).then((summary): HadoopStatus => {
        const state = where.mode === 'embedded' && !summary.ok ? readServiceStates().hadoop : undefined;
        return {
          ...summary,
          mode: where.mode,
          ...(where.mode === 'embedded' ? { version: HADOOP_VERSION } : {}),
          ...(state ? { supervisor: { state: state.state, since: state.since, ...(state.reason ? { reason: state.reason } : {}) } } : {}),
          startable: where.mode === 'embedded' && !summary.ok && (!state || state.state === 'stopped' || state.state === 'gave-up'),
          checkedAt: new Date().toISOString(),
        };
      })
    : Promise.resolve(undefined);
  last = { at: Date.now(), status };
  return status;
}

/**
 * A Hadoop lesson was opened: the embedded cluster starts if it is not running or starting
 * (the launcher watches the request file). Returns whether a start was asked for.
 */
export async function requestHadoop(): Promise<boolean> {
  const status = await hadoopStatus();
  if (!status?.startable) return false;
  requestHadoopStart();
  last = undefined; // the next poll sees "arrancando"
  return true;
}
