import { createServer } from 'node:net';
import { envVar, type EnvSource } from '../lib/env';

/**
 * Every TCP port `npm start` binds on this machine, each with who needs it and how to move it,
 * in one place: the launcher checks them all before it builds or starts anything (a taken port
 * found only after Airflow's 20 s start wasted them), and Kafka and Airflow check their own again
 * with the same words when they (re)start. Everything else the lab listens on is a Unix socket
 * (the task launcher, the sandboxes' relays).
 */
export interface PortNeed {
  readonly port: number;
  /** The interface it is bound on. */
  readonly host: string;
  /** Spanish: who needs it, as the message names it («el sitio», «Kafka»). */
  readonly owner: string;
  /** Spanish: the flag or variable that moves it («--port o PORT»). */
  readonly moveWith: string;
}

/** Where the site listens unless `--port` or PORT say otherwise (serve-next.mjs has the same default). */
export const DEFAULT_SITE_PORT = 3000;
const DEFAULT_KAFKA_PORT = 9092;
const DEFAULT_AIRFLOW_PORT = 8080;
/** NameNode's own default web port; the other Hadoop daemons take the next 13 (see {@link hadoopPortMap}). */
const DEFAULT_HADOOP_PORT = 9870;
/** The S3 API's usual port (SeaweedFS's and many tools' default); SeaweedFS's other servers take the next 7. */
const DEFAULT_S3_PORT = 8333;
/** Spark Connect's own default port. */
const DEFAULT_SPARK_PORT = 15002;
const LOOPBACK = '127.0.0.1';

/** The embedded broker's client port: CAUCE_KAFKA_PORT, else 9092. */
export function kafkaPort(source?: EnvSource): number {
  return envVar('CAUCE_KAFKA_PORT', source) ?? DEFAULT_KAFKA_PORT;
}

/** The embedded Airflow's api-server port: CAUCE_AIRFLOW_PORT, else 8080. */
export function airflowPort(source?: EnvSource): number {
  return envVar('CAUCE_AIRFLOW_PORT', source) ?? DEFAULT_AIRFLOW_PORT;
}

/** The embedded Hadoop's first port (NameNode web): CAUCE_HADOOP_PORT, else 9870. */
export function hadoopPort(source?: EnvSource): number {
  return envVar('CAUCE_HADOOP_PORT', source) ?? DEFAULT_HADOOP_PORT;
}

/** The embedded S3 store's first port (the S3 API): CAUCE_S3_PORT, else 8333. */
export function s3Port(source?: EnvSource): number {
  return envVar('CAUCE_S3_PORT', source) ?? DEFAULT_S3_PORT;
}

/**
 * The embedded SeaweedFS's ports, one block from `base` (the S3 API). Every one is passed to
 * `weed server` explicitly: its own defaults collide with the lab (the volume server's 8080 is
 * Airflow's) and each gRPC port defaults to its HTTP port + 10000 (8333 → 18333, the e2e lab's
 * S3). The Iceberg and Lance catalogs it would also open are turned off (lab/s3/config.ts).
 * 8333-8340 stays clear of Airflow (8080-8082), Kafka (9092-9093), Hadoop (9870-9883), the
 * site (3000) and the e2e lab (18333…, 18080, 19092, 19870…).
 */
export function s3PortMap(base = s3Port()) {
  return {
    /** The S3 API: the site, the lab's health check and every student run through its relay. */
    s3: base,
    s3Grpc: base + 1,
    master: base + 2,
    masterGrpc: base + 3,
    volume: base + 4,
    volumeGrpc: base + 5,
    /** The filer's HTTP API: the launcher and the site write students' identities under /etc/iam. */
    filer: base + 6,
    filerGrpc: base + 7,
  } as const;
}
export type S3PortMap = ReturnType<typeof s3PortMap>;

const S3_PORT_OWNERS: Record<keyof S3PortMap, string> = {
  s3: 'el almacén S3 (API S3)',
  s3Grpc: 'el almacén S3 (gRPC)',
  master: 'el master de SeaweedFS',
  masterGrpc: 'el master de SeaweedFS (gRPC)',
  volume: 'el servidor de volúmenes de SeaweedFS',
  volumeGrpc: 'el servidor de volúmenes de SeaweedFS (gRPC)',
  filer: 'el filer de SeaweedFS',
  filerGrpc: 'el filer de SeaweedFS (gRPC)',
};

/** The embedded S3 store (lab/s3/config.ts passes them to `weed server`), on loopback only. */
export function s3Ports(base = s3Port()): PortNeed[] {
  const moveWith = 'CAUCE_S3_PORT (el almacén S3 usa ese puerto y los 7 siguientes)';
  return Object.entries(s3PortMap(base)).map(([name, port]) => ({ port, host: LOOPBACK, owner: S3_PORT_OWNERS[name as keyof S3PortMap], moveWith }));
}

/** AWS_ENDPOINT_URL points at an existing S3: the lab starts no store. */
export function s3IsExternal(source: EnvSource = process.env): boolean {
  return Boolean(envVar('AWS_ENDPOINT_URL', source)?.trim());
}

/** The embedded Spark Connect server's port: CAUCE_SPARK_PORT, else 15002. */
export function sparkPort(source?: EnvSource): number {
  return envVar('CAUCE_SPARK_PORT', source) ?? DEFAULT_SPARK_PORT;
}

/**
 * The embedded Spark Connect server (lab/spark/server.ts), on loopback only. Its driver's RPC and
 * block manager take ephemeral loopback ports: nothing outside the JVM talks to them (local mode).
 */
export function sparkPorts(port = sparkPort()): PortNeed[] {
  return [{ port, host: LOOPBACK, owner: 'Spark Connect', moveWith: 'CAUCE_SPARK_PORT' }];
}

/** SPARK_REMOTE points at an existing Spark Connect server: the lab starts none. */
export function sparkIsExternal(source: EnvSource = process.env): boolean {
  return Boolean(envVar('SPARK_REMOTE', source)?.trim());
}

/**
 * The embedded Hadoop's ports, one block from `base`: fourteen daemons' listeners would be
 * fourteen variables, so one moves them all. The block starts at NameNode's usual web port
 * (9870) and stays clear of Kafka (9092-9093), Airflow (8080-8082), the site (3000) and the
 * e2e lab (19092, 18080, 19870…). Hadoop's own defaults (8020, 8088, 9864…) are not used:
 * spread out, they would collide with a developer's own Hadoop more often than a block does.
 */
export function hadoopPortMap(base = hadoopPort()) {
  return {
    /** NameNode web: JMX, WebHDFS (the cluster summary and the lab's admin calls). */
    namenodeHttp: base,
    /** fs.defaultFS: every HDFS client. */
    namenodeRpc: base + 1,
    datanodeData: base + 2,
    datanodeHttp: base + 3,
    datanodeIpc: base + 4,
    /** ResourceManager web and REST (/ws/v1/cluster). */
    resourcemanagerHttp: base + 5,
    /** yarn.resourcemanager.address: job submission. */
    resourcemanagerRpc: base + 6,
    resourcemanagerScheduler: base + 7,
    resourcemanagerTracker: base + 8,
    resourcemanagerAdmin: base + 9,
    nodemanagerHttp: base + 10,
    nodemanagerRpc: base + 11,
    nodemanagerLocalizer: base + 12,
    /** The mapreduce_shuffle aux service in the NodeManager. */
    shuffle: base + 13,
  } as const;
}
export type HadoopPortMap = ReturnType<typeof hadoopPortMap>;

const HADOOP_PORT_OWNERS: Record<keyof HadoopPortMap, string> = {
  namenodeHttp: 'el NameNode de Hadoop (web)',
  namenodeRpc: 'el NameNode de Hadoop (RPC)',
  datanodeData: 'el DataNode de Hadoop (datos)',
  datanodeHttp: 'el DataNode de Hadoop (web)',
  datanodeIpc: 'el DataNode de Hadoop (IPC)',
  resourcemanagerHttp: 'el ResourceManager de YARN (web)',
  resourcemanagerRpc: 'el ResourceManager de YARN (clientes)',
  resourcemanagerScheduler: 'el ResourceManager de YARN (scheduler)',
  resourcemanagerTracker: 'el ResourceManager de YARN (NodeManagers)',
  resourcemanagerAdmin: 'el ResourceManager de YARN (admin)',
  nodemanagerHttp: 'el NodeManager de YARN (web)',
  nodemanagerRpc: 'el NodeManager de YARN (contenedores)',
  nodemanagerLocalizer: 'el NodeManager de YARN (localizador)',
  shuffle: 'el shuffle de MapReduce',
};

/** The embedded Hadoop (lab/hadoop/config.ts renders them), on loopback only. */
export function hadoopPorts(base = hadoopPort()): PortNeed[] {
  const moveWith = 'CAUCE_HADOOP_PORT (Hadoop usa ese puerto y los 13 siguientes)';
  return Object.entries(hadoopPortMap(base)).map(([name, port]) => ({ port, host: LOOPBACK, owner: HADOOP_PORT_OWNERS[name as keyof HadoopPortMap], moveWith }));
}

/** The site's server (scripts/serve-next.mjs): on `host`, loopback unless `--host` opens it. */
export function sitePorts(port: number, host: string): PortNeed[] {
  return [{ port, host, owner: 'el sitio', moveWith: '--port o PORT' }];
}

/** The embedded broker, on loopback only (lab/kafka/config.ts renders both listeners). */
export function kafkaPorts(port = kafkaPort()): PortNeed[] {
  const moveWith = 'CAUCE_KAFKA_PORT (Kafka usa ese puerto y el siguiente)';
  return [
    // Clients: the site's admin and health checks, and every student run through its relay.
    { port, host: LOOPBACK, owner: 'Kafka', moveWith },
    // The KRaft controller's listener: the broker is its own quorum and cannot start without it.
    { port: port + 1, host: LOOPBACK, owner: 'el controlador de Kafka', moveWith },
  ];
}

/** The embedded Airflow (lab/airflow/server.ts). */
export function airflowPorts(port = airflowPort(), host = envVar('CAUCE_AIRFLOW_HOST') ?? LOOPBACK): PortNeed[] {
  const moveWith = 'CAUCE_AIRFLOW_PORT (Airflow usa ese puerto y los dos siguientes)';
  return [
    // UI, REST API and the execution API the tasks report to.
    { port, host, owner: 'Airflow (api-server)', moveWith },
    // The scheduler's and the triggerer's log servers: not started (--skip-serve-logs), but
    // configured on these two, away from Airflow's fixed 8793/8794, in case one starts anyway.
    { port: port + 1, host: LOOPBACK, owner: 'el servidor de logs del scheduler de Airflow', moveWith },
    { port: port + 2, host: LOOPBACK, owner: 'el servidor de logs del triggerer de Airflow', moveWith },
  ];
}

/** HADOOP_CONF_DIR or HADOOP_DEFAULT_FS point at an existing cluster: the lab starts no Hadoop. */
export function hadoopIsExternal(source: EnvSource = process.env): boolean {
  return Boolean(envVar('HADOOP_CONF_DIR', source)?.trim() || envVar('HADOOP_DEFAULT_FS', source)?.trim());
}

/**
 * What this launcher binds: the site, plus Kafka and Airflow unless they are external. The test
 * is startLab's (lab/index.ts, lab/airflow/start.ts): KAFKA_BROKERS, AIRFLOW_API_URL set.
 */
export function launcherPorts(site: { port: number; host: string }, source: EnvSource = process.env): PortNeed[] {
  return [
    ...sitePorts(site.port, site.host),
    ...(envVar('KAFKA_BROKERS', source)?.trim() ? [] : kafkaPorts(kafkaPort(source))),
    ...(envVar('AIRFLOW_API_URL', source)?.trim() ? [] : airflowPorts(airflowPort(source), envVar('CAUCE_AIRFLOW_HOST', source) ?? LOOPBACK)),
    // Hadoop starts on demand, but its ports are checked up front all the same: a lesson that
    // needs it much later should not find them taken with no one there to read why.
    ...(hadoopIsExternal(source) || envVar('CAUCE_HADOOP', source) === 'off' ? [] : hadoopPorts(hadoopPort(source))),
    // The S3 store too (it starts on demand like Hadoop).
    ...(s3IsExternal(source) || envVar('CAUCE_S3', source) === 'off' ? [] : s3Ports(s3Port(source))),
    // Spark too: on demand by default, checked up front for the same reason.
    ...(sparkIsExternal(source) || envVar('CAUCE_SPARK', source) === 'off' ? [] : sparkPorts(sparkPort(source))),
  ];
}

/** Why a port cannot be bound, in Spanish, naming it, what needs it and how to move it. */
export function portMessage(need: PortNeed, code = 'EADDRINUSE'): string {
  const { port, owner, moveWith } = need;
  if (code === 'EADDRINUSE') return `El puerto ${port} (${owner}) ya está en uso. Libéralo o elige otro con ${moveWith}.`;
  if (code === 'EACCES') return `El puerto ${port} (${owner}) necesita permisos de administrador. Elige otro (desde el 1024) con ${moveWith}.`;
  return `No se puede escuchar en ${need.host}:${port} (${owner}): ${code}. Elige otro puerto con ${moveWith}.`;
}

/** Binds and releases the port: undefined when it is free, else the error code (EADDRINUSE…). */
export function bindError(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolvePromise(error.code ?? error.message));
    try {
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(undefined)));
    } catch (error) {
      resolvePromise((error as NodeJS.ErrnoException).code ?? String(error)); // a port past 65535
    }
  });
}

/**
 * The Spanish message for the first port of `needs` that cannot be bound, or undefined. Two needs
 * on one port (`--port 8080` beside Airflow's default) count too: both are free now, but the one
 * that starts second would fail.
 */
export async function firstUnavailablePort(needs: readonly PortNeed[]): Promise<string | undefined> {
  for (const [index, need] of needs.entries()) {
    const first = needs.slice(0, index).find((other) => other.port === need.port);
    if (first) return `El puerto ${need.port} lo necesitan ${first.owner} y ${need.owner}. Elige otro con ${first.moveWith}, o con ${need.moveWith}.`;
  }
  for (const need of needs) {
    const code = await bindError(need.port, need.host);
    if (code) return portMessage(need, code);
  }
  return undefined;
}
