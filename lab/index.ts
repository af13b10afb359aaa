import { envVar } from '../lib/env';
import { AirflowServer } from './airflow/server';
import { startAirflow, type RunningAirflow, type StartAirflowOptions } from './airflow/start';
import { KafkaBroker, type KafkaBrokerOptions } from './kafka/broker';
import type { ProgressListener } from './kafka/download';
import { adminSaslFromEnv } from './kafka/credentials';
import { checkKafka } from './kafka/health';
import { HadoopCluster } from './hadoop/cluster';
import { startHadoop, type RunningHadoop, type StartHadoopOptions } from './hadoop/start';
import { KAFKA_PYTHON_VERSION, prepareKafkaPython } from './kafka/python-client';
import { externalS3 } from './s3/external';
import { S3Store } from './s3/store';
import { startS3, type RunningS3, type StartS3Options } from './s3/start';
import { prepareSparkClient, SPARK_CLIENT_VERSION } from './spark/python-client';
import { SparkServer } from './spark/server';
import { startSpark, type RunningSpark, type StartSparkOptions } from './spark/start';
import { serviceStates } from './service-state';
import { Supervisor } from './supervisor';

export { checkKafka, type KafkaHealth } from './kafka/health';
export { KAFKA_VERSION } from './kafka/version';
export type { Progress, ProgressListener } from './kafka/download';
export { checkAirflow, type AirflowHealth } from './airflow/health';
export { AIRFLOW_VERSION } from './airflow/version';
export { startAirflow, type RunningAirflow } from './airflow/start';
export { startHadoop, type RunningHadoop } from './hadoop/start';
export { HADOOP_VERSION } from './hadoop/version';
export { startS3, type RunningS3 } from './s3/start';
export { SEAWEEDFS_LABEL } from './s3/version';
export { startSpark, type RunningSpark } from './spark/start';
export { SPARK_VERSION } from './spark/version';

export interface StartLabOptions {
  /** Download / format progress ("Descargando Kafka 4.4.0… 63%"). @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines (restarts, external mode). @default console.log */
  readonly log?: (message: string) => void;
  /** How long the first start may take to become healthy. @default 120000 */
  readonly healthTimeoutMs?: number;
  /** Passed to the embedded broker (port, stateDir, heapMb, onLog…). */
  readonly kafka?: KafkaBrokerOptions;
  /**
   * Airflow beside Kafka (install progress, server options), or false to start Kafka only.
   * @default {} (Airflow is started, or checked in external mode with AIRFLOW_API_URL)
   */
  readonly airflow?: StartAirflowOptions | false;
  /**
   * Hadoop (HDFS + YARN): `when` says whether it starts now, on a lesson's demand or never, or
   * false for none at all (the Kafka-only CLI, tests). @default {} ($CAUCE_HADOOP, else on demand)
   */
  readonly hadoop?: StartHadoopOptions | false;
  /**
   * The S3 store (SeaweedFS): `when` says whether it starts now, on demand or never, or false for
   * none at all. @default {} ($CAUCE_S3, else on demand; AWS_ENDPOINT_URL: external)
   */
  readonly s3?: StartS3Options | false;
  /**
   * The Spark Connect server of pyspark runs: `when` as for Hadoop, or false for none at all.
   * @default {} ($CAUCE_SPARK, else on demand; SPARK_REMOTE: an existing server)
   */
  readonly spark?: StartSparkOptions | false;
}

export interface RunningLab {
  /** Comma-separated `host:port` list for KAFKA_BROKERS. */
  readonly brokers: string;
  /**
   * For the site's server only: KAFKA_BROKERS, CAUCE_LAB_MODE and, when Kafka isolates
   * students, the admin's KAFKA_ADMIN_USERNAME / KAFKA_ADMIN_PASSWORD (never given to runs).
   */
  readonly env: Readonly<Record<string, string>>;
  /** 'external' when KAFKA_BROKERS pointed at an existing cluster. */
  readonly mode: 'embedded' | 'external';
  /** Stops what startLab started (nothing in external mode). Safe to call twice. */
  stop(): Promise<void>;
}

export interface RunningFullLab extends RunningLab {
  /** Airflow, when it was asked for. */
  readonly airflow: RunningAirflow | undefined;
  /** Hadoop, when it was asked for (running, or waiting for a lesson's request). */
  readonly hadoop?: RunningHadoop;
  /** The S3 store, when it was asked for (running, or waiting for a request). */
  readonly s3?: RunningS3;
  /** Spark, when it was asked for (running, or waiting for a run's request). */
  readonly spark?: RunningSpark;
  /** Everything the site's process needs: KAFKA_BROKERS, AIRFLOW_API_URL, credentials… */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Brings the lab up for the site, Kafka and Airflow in parallel. Kafka: with KAFKA_BROKERS
 * set it starts nothing and only checks that cluster ("modo externo"); otherwise it prepares
 * the embedded broker (download, config, format), starts it under a Supervisor and waits
 * until it answers. Airflow: the same with AIRFLOW_API_URL (see lab/airflow/start.ts).
 * Pass the returned `env` to the site's process. The caller must await stop() on shutdown
 * (SIGINT/SIGTERM), or the JVM and Airflow outlive it until the next start cleans them up.
 */
export async function startLab(options: StartLabOptions = {}): Promise<RunningFullLab> {
  const log = options.log ?? ((message: string) => console.log(message));
  const airflowOptions = options.airflow;
  const progress = options.onProgress ? { onProgress: options.onProgress } : {};
  const hadoopOptions = options.hadoop;
  const s3Options = options.s3;
  const sparkOptions = options.spark;
  // Spark's sessions write s3a:// paths to the lab's store (or the external one): the server is
  // told where at start, whether or not the store is running yet (both start on demand).
  const s3Endpoint = externalS3()?.endpoint ?? (s3Options === false ? undefined : new S3Store(s3Options?.store).endpoint);
  const sparkWithStore = sparkOptions === false ? false : { ...sparkOptions, server: { ...(s3Endpoint ? { s3Endpoint } : {}), ...sparkOptions?.server } };
  // In parallel: Airflow's first install takes a minute, Kafka's download as long; Hadoop and
  // Spark, when asked for at start, as long again (on demand they install and set up their
  // watch); the S3 store's first Go build some minutes (then none).
  const [kafka, airflow, hadoop, s3, spark] = await Promise.allSettled([
    startKafka(options, log),
    airflowOptions === false ? undefined : startAirflow({ log, ...progress, ...airflowOptions }),
    hadoopOptions === false ? undefined : startHadoop({ log, ...progress, ...hadoopOptions }),
    s3Options === false ? undefined : startS3({ log, ...progress, ...s3Options }),
    sparkWithStore === false ? undefined : startSpark({ log, ...progress, ...sparkWithStore }),
  ]);
  const started = [kafka, airflow, hadoop, s3, spark].flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
  const failed = [kafka, airflow, hadoop, s3, spark].find((result) => result.status === 'rejected');
  if (failed || kafka.status === 'rejected') {
    // One failed: stop the others so no process outlives the failed start.
    await Promise.allSettled(started.map((service) => service.stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const airflowValue = airflow.status === 'fulfilled' ? airflow.value : undefined;
  const hadoopValue = hadoop.status === 'fulfilled' ? hadoop.value : undefined;
  const s3Value = s3.status === 'fulfilled' ? s3.value : undefined;
  const sparkValue = spark.status === 'fulfilled' ? spark.value : undefined;
  let stopping: Promise<void> | undefined;
  return {
    brokers: kafka.value.brokers,
    mode: kafka.value.mode,
    airflow: airflowValue,
    ...(hadoopValue ? { hadoop: hadoopValue } : {}),
    ...(s3Value ? { s3: s3Value } : {}),
    ...(sparkValue ? { spark: sparkValue } : {}),
    env: { ...kafka.value.env, ...airflowValue?.env, ...hadoopValue?.env, ...s3Value?.env, ...sparkValue?.env },
    stop: () => (stopping ??= Promise.all(started.map((service) => service.stop())).then(() => undefined)),
  };
}

/**
 * Stops what a killed launcher left running from this lab folder (the services' pid files say
 * what, and each checks the process really is its own). The launcher calls it before checking
 * ports, so its own broker still shutting down is not reported as another program's. Only the
 * embedded services: nothing in external mode.
 */
export async function stopLeftovers(options: Pick<StartLabOptions, 'kafka' | 'airflow' | 'hadoop' | 's3' | 'spark'> = {}): Promise<void> {
  await Promise.all([
    options.s3 === false || envVar('AWS_ENDPOINT_URL')?.trim() ? undefined : new S3Store(options.s3?.store).killStale(),
    options.spark === false || envVar('SPARK_REMOTE')?.trim() ? undefined : new SparkServer(options.spark?.server).killStale(),
    options.hadoop === false || envVar('HADOOP_CONF_DIR')?.trim() || envVar('HADOOP_DEFAULT_FS')?.trim() ? undefined : new HadoopCluster(options.hadoop?.cluster).killStale(),
    envVar('KAFKA_BROKERS')?.trim() ? undefined : new KafkaBroker(options.kafka).killStaleBroker(),
    options.airflow === false || envVar('AIRFLOW_API_URL')?.trim() ? undefined : new AirflowServer(options.airflow?.server).killStale(),
  ]);
}

/** Kafka alone: external check or embedded broker under a Supervisor; and the Python client of kafka-py runs. */
async function startKafka(options: StartLabOptions, log: (message: string) => void): Promise<RunningLab> {
  const [kafka, client, spark] = await Promise.allSettled([startKafkaService(options, log), prepareKafkaPythonClient(log), prepareSparkClientVenv(log)]);
  if (kafka.status === 'rejected') throw kafka.reason;
  const failed = [client, spark].find((step) => step.status === 'rejected');
  if (failed) {
    await kafka.value.stop(); // nothing outlives a failed start
    throw failed.reason;
  }
  return kafka.value;
}

/** The pyspark kind's Spark Connect client (a venv from lab/spark/client/requirements.lock): ~20 s on the first start, nothing after. */
async function prepareSparkClientVenv(log: (message: string) => void): Promise<void> {
  const { installed } = await prepareSparkClient();
  if (installed) log(`pyspark-client ${SPARK_CLIENT_VERSION} instalado para los trabajos de Spark.`);
}

/** The kafka-py kind's client (a venv from lab/kafka/python/requirements.lock): a second on the first start, nothing after. */
async function prepareKafkaPythonClient(log: (message: string) => void): Promise<void> {
  const { installed } = await prepareKafkaPython();
  if (installed) log(`kafka-python ${KAFKA_PYTHON_VERSION} instalado para los ejemplos de Kafka en Python.`);
}

async function startKafkaService(options: StartLabOptions, log: (message: string) => void): Promise<RunningLab> {
  const external = envVar('KAFKA_BROKERS')?.trim();
  if (external) {
    const brokers = external
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
    const health = await checkKafka(brokers, 5_000);
    log(
      health.ok
        ? `Modo externo: Kafka disponible en ${brokers.join(', ')} (${health.brokers} broker(s)).`
        : `Modo externo: ${health.error ?? 'Kafka no disponible'}. El sitio arranca igualmente.`,
    );
    // Isolation on an external cluster needs it to have SCRAM + ACLs and KAFKA_ADMIN_* set.
    const admin = adminSaslFromEnv();
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      CAUCE_LAB_MODE: 'external',
      ...(admin ? { KAFKA_ADMIN_USERNAME: admin.username, KAFKA_ADMIN_PASSWORD: admin.password } : {}),
    };
    return { brokers: brokers.join(','), mode: 'external', env, stop: async () => undefined };
  }

  const broker = new KafkaBroker(options.kafka);
  const { formatted } = await broker.prepare(options.onProgress);
  if (formatted) log(`Almacenamiento de Kafka creado en ${broker.paths.dataDir}.`);
  const supervisor = new Supervisor(broker, { log, healthTimeoutMs: options.healthTimeoutMs ?? 120_000 });
  serviceStates().set('kafka', 'starting');
  serviceStates().follow('kafka', supervisor);
  await supervisor.start(); // on failure it has already stopped the broker
  let stopping: Promise<void> | undefined;
  const admin = broker.adminSasl;
  return {
    brokers: broker.brokers,
    mode: 'embedded',
    env: { KAFKA_BROKERS: broker.brokers, CAUCE_LAB_MODE: 'embedded', KAFKA_ADMIN_USERNAME: admin.username, KAFKA_ADMIN_PASSWORD: admin.password },
    stop: () => (stopping ??= supervisor.stop().finally(() => serviceStates().set('kafka', 'stopped'))),
  };
}
