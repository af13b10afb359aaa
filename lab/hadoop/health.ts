import type { HadoopComponent } from './daemon';

/** Where a cluster's web endpoints are: the NameNode's (JMX) and the ResourceManager's (REST). */
export interface HadoopEndpoints {
  /** e.g. http://127.0.0.1:9870 */
  readonly namenodeUrl: string;
  /** e.g. http://127.0.0.1:9875 */
  readonly resourcemanagerUrl: string;
}

/** One component as Ambari's dashboard lists it. */
export interface ComponentState {
  readonly component: HadoopComponent;
  readonly service: 'HDFS' | 'YARN';
  /** `started`: it answers and does its job; `stopped`: it does not answer (or none registered). */
  readonly state: 'started' | 'stopped';
  /** Spanish: "1 de 1 en marcha", "modo seguro"… */
  readonly detail?: string;
}

export interface RunningApplication {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  /** ACCEPTED or RUNNING. */
  readonly state: string;
  /** 0..100 */
  readonly progress: number;
}

/** What the cluster summary shows: each component, HDFS use, YARN's nodes and applications. */
export interface HadoopSummary {
  /** Every component started, HDFS out of safe mode: the lab may use it. */
  readonly ok: boolean;
  readonly components: readonly ComponentState[];
  readonly hdfs?: {
    readonly capacityBytes: number;
    /** Bytes in HDFS blocks. */
    readonly usedBytes: number;
    /** Bytes of the same disks used by anything else (the rest of this machine, reserved space). */
    readonly nonDfsUsedBytes: number;
    readonly remainingBytes: number;
    readonly files: number;
    readonly blocks: number;
    readonly liveDataNodes: number;
    readonly deadDataNodes: number;
    readonly safeMode: boolean;
    readonly version?: string;
  };
  readonly yarn?: {
    readonly activeNodes: number;
    readonly unhealthyNodes: number;
    readonly lostNodes: number;
    readonly memoryTotalMb: number;
    readonly memoryUsedMb: number;
    readonly vcoresTotal: number;
    readonly vcoresUsed: number;
    readonly appsRunning: number;
    readonly appsPending: number;
    readonly appsCompleted: number;
    readonly appsFailed: number;
    readonly running: readonly RunningApplication[];
  };
  /** Spanish, when not ok: what did not answer. */
  readonly error?: string;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`HTTP ${response.status} en ${url}`);
  return response.json();
}

type Bean = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

async function jmxBean(base: string, query: string, timeoutMs: number): Promise<Bean> {
  const body = (await getJson(`${base}/jmx?qry=${encodeURIComponent(query)}`, timeoutMs)) as { beans?: Bean[] };
  const bean = body.beans?.[0];
  if (!bean) throw new Error(`el NameNode no publica ${query}`);
  return bean;
}

async function readHdfs(base: string, timeoutMs: number): Promise<NonNullable<HadoopSummary['hdfs']>> {
  const [state, info] = await Promise.all([
    jmxBean(base, 'Hadoop:service=NameNode,name=FSNamesystemState', timeoutMs),
    jmxBean(base, 'Hadoop:service=NameNode,name=NameNodeInfo', timeoutMs),
  ]);
  const version = typeof info.Version === 'string' ? info.Version.split(',')[0]?.trim() : undefined;
  return {
    capacityBytes: num(state.CapacityTotal),
    usedBytes: num(state.CapacityUsed),
    // What the disks hold besides HDFS (the rest of this machine, reserved space): capacity less
    // HDFS and free, so the three parts add up (NameNodeInfo.NonDfsUsedSpace leaves reserved space out).
    nonDfsUsedBytes: Math.max(num(state.CapacityTotal) - num(state.CapacityUsed) - num(state.CapacityRemaining), 0),
    remainingBytes: num(state.CapacityRemaining),
    files: num(state.FilesTotal),
    blocks: num(state.BlocksTotal),
    liveDataNodes: num(state.NumLiveDataNodes),
    deadDataNodes: num(state.NumDeadDataNodes),
    // NameNodeInfo.Safemode is "" when off, a sentence when on.
    safeMode: typeof info.Safemode === 'string' && info.Safemode.trim() !== '',
    ...(version ? { version } : {}),
  };
}

async function readYarn(base: string, timeoutMs: number): Promise<{ started: boolean; yarn: NonNullable<HadoopSummary['yarn']> }> {
  const [info, metrics, apps] = (await Promise.all([
    getJson(`${base}/ws/v1/cluster/info`, timeoutMs),
    getJson(`${base}/ws/v1/cluster/metrics`, timeoutMs),
    getJson(`${base}/ws/v1/cluster/apps?states=ACCEPTED,RUNNING`, timeoutMs),
  ])) as [{ clusterInfo?: Bean }, { clusterMetrics?: Bean }, { apps?: { app?: Bean[] } | null }];
  const m = metrics.clusterMetrics ?? {};
  return {
    started: info.clusterInfo?.state === 'STARTED',
    yarn: {
      activeNodes: num(m.activeNodes),
      unhealthyNodes: num(m.unhealthyNodes),
      lostNodes: num(m.lostNodes),
      memoryTotalMb: num(m.totalMB),
      memoryUsedMb: num(m.allocatedMB),
      vcoresTotal: num(m.totalVirtualCores),
      vcoresUsed: num(m.allocatedVirtualCores),
      appsRunning: num(m.appsRunning),
      appsPending: num(m.appsPending),
      appsCompleted: num(m.appsCompleted),
      appsFailed: num(m.appsFailed),
      running: (apps.apps?.app ?? []).map((app) => ({
        id: String(app.id),
        name: String(app.name),
        user: String(app.user),
        state: String(app.state),
        progress: Math.round(num(app.progress)),
      })),
    },
  };
}

/**
 * The cluster's state from the NameNode's JMX and the ResourceManager's REST API, the same
 * sources Ambari's dashboard reads. Never throws; settles within about timeoutMs.
 */
export async function checkHadoop(endpoints: HadoopEndpoints, timeoutMs = 2_000): Promise<HadoopSummary> {
  const [hdfs, yarn] = await Promise.allSettled([readHdfs(endpoints.namenodeUrl, timeoutMs), readYarn(endpoints.resourcemanagerUrl, timeoutMs)]);
  const h = hdfs.status === 'fulfilled' ? hdfs.value : undefined;
  const y = yarn.status === 'fulfilled' ? yarn.value : undefined;
  const components: ComponentState[] = [
    { component: 'NameNode', service: 'HDFS', state: h ? 'started' : 'stopped', ...(h?.safeMode ? { detail: 'en modo seguro' } : {}) },
    {
      component: 'DataNode',
      service: 'HDFS',
      state: h && h.liveDataNodes > 0 ? 'started' : 'stopped',
      ...(h ? { detail: `${h.liveDataNodes} de ${h.liveDataNodes + h.deadDataNodes} en marcha` } : {}),
    },
    { component: 'ResourceManager', service: 'YARN', state: y?.started ? 'started' : 'stopped' },
    {
      component: 'NodeManager',
      service: 'YARN',
      state: y && y.yarn.activeNodes > 0 ? 'started' : 'stopped',
      ...(y ? { detail: `${y.yarn.activeNodes} de ${y.yarn.activeNodes + y.yarn.unhealthyNodes + y.yarn.lostNodes} en marcha` } : {}),
    },
  ];
  const ok = components.every((c) => c.state === 'started') && h?.safeMode === false;
  const down = [
    hdfs.status === 'rejected' ? `el NameNode no responde en ${endpoints.namenodeUrl}` : '',
    yarn.status === 'rejected' ? `el ResourceManager no responde en ${endpoints.resourcemanagerUrl}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const stopped = components.filter((c) => c.state === 'stopped').map((c) => c.component);
  const error = ok ? undefined : down || (stopped.length ? `sin ${stopped.join(', ')}` : 'HDFS está en modo seguro');
  return { ok, components, ...(h ? { hdfs: h } : {}), ...(y ? { yarn: y.yarn } : {}), ...(error ? { error: error.charAt(0).toUpperCase() + error.slice(1) } : {}) };
}
