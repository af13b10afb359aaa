/**
 * The lab from a terminal: `npx tsx lab/cli.ts <orden>`.
 *   kafka    prepara, arranca y vigila el broker en primer plano hasta Ctrl-C
 *   prepare  solo descarga los jars y formatea el almacenamiento
 *   status   comprueba si Kafka responde (código de salida 0 si está disponible)
 *   airflow, prepare-airflow, airflow-status: lo mismo para Airflow
 *   hadoop, prepare-hadoop, hadoop-status: lo mismo para Hadoop (HDFS + YARN)
 *   s3, prepare-s3, s3-status: lo mismo para el almacén S3 (SeaweedFS)
 *   spark, prepare-spark, spark-status: lo mismo para el servidor Spark Connect
 * With KAFKA_BROKERS set nothing is started: `kafka` and `status` check that cluster; the
 * same for Airflow with AIRFLOW_API_URL.
 */
import { envVar } from '../lib/env';
import { describeError } from './errors';
import { KAFKA_VERSION, startLab, type Progress } from './index';
import { checkAirflow } from './airflow/health';
import { prepareAirflow } from './airflow/install';
import { AirflowServer } from './airflow/server';
import { startAirflow } from './airflow/start';
import { AIRFLOW_VERSION } from './airflow/version';
import { KafkaBroker } from './kafka/broker';
import { checkKafka } from './kafka/health';
import { KAFKA_PYTHON_VERSION, prepareKafkaPython } from './kafka/python-client';
import { prepareSparkClient, SPARK_CLIENT_VERSION } from './spark/python-client';
import { readSecrets } from './kafka/secrets';
import { HadoopCluster } from './hadoop/cluster';
import { ensureHadoopJars } from './hadoop/download';
import { externalHadoop } from './hadoop/external';
import { checkHadoop } from './hadoop/health';
import { startHadoop } from './hadoop/start';
import { HADOOP_VERSION } from './hadoop/version';
import { externalS3 } from './s3/external';
import { checkS3 } from './s3/health';
import { startS3 } from './s3/start';
import { S3Store } from './s3/store';
import { readS3Secrets } from './s3/secrets';
import { LAB_BUCKET, SEAWEEDFS_LABEL } from './s3/version';
import { prepareSparkCommand, runSpark, sparkStatus, type CliTools } from './spark/commands';

const USAGE = `Uso: npx tsx lab/cli.ts <orden>

  kafka                      prepara, arranca y vigila Kafka en primer plano (Ctrl-C para detener)
  prepare [--write-jar-list] descarga Kafka y formatea el almacenamiento, sin arrancarlo
  status                     dice si Kafka está disponible
  airflow                    prepara, arranca y vigila Airflow en primer plano (Ctrl-C para detener)
  prepare-kafka-python       instala kafka-python (ejemplos kafka-py) desde lab/kafka/python/requirements.lock
  prepare-spark-client       instala pyspark-client (trabajos pyspark) desde lab/spark/client/requirements.lock
  prepare-airflow [--relock] instala Airflow desde lab/airflow/requirements.lock y crea la BD de plantilla
  airflow-status             dice si Airflow está disponible
  hadoop                     prepara, arranca y vigila Hadoop (HDFS + YARN) en primer plano
  prepare-hadoop [--write-jar-list] [--format]  descarga los jars de Hadoop (y formatea HDFS con --format)
  hadoop-status              resumen del clúster: cada componente, HDFS y aplicaciones de YARN
  s3                         compila si hace falta, arranca y vigila el almacén S3 (SeaweedFS) en primer plano
  prepare-s3                 compila SeaweedFS (Go) y prepara su carpeta, sin arrancarlo
  s3-status                  dice si el almacén S3 responde y si existe el bucket ${LAB_BUCKET}
  spark                      prepara, arranca y vigila el servidor Spark Connect en primer plano
  prepare-spark [--write-jar-list]  instala pyspark y descarga los conectores de Kafka y S3, sin arrancarlo
  spark-status               dice si Spark Connect responde (una consulta real)

Variables: KAFKA_BROKERS (modo externo: no arranca nada), CAUCE_KAFKA_PORT (por defecto 9092),
AIRFLOW_API_URL (+ AIRFLOW_USERNAME, AIRFLOW_PASSWORD: Airflow externo), CAUCE_AIRFLOW_PORT
(por defecto 8080), CAUCE_HADOOP_PORT (por defecto 9870 y los 13 siguientes), HADOOP_CONF_DIR o
HADOOP_DEFAULT_FS (Hadoop externo), CAUCE_S3_PORT (por defecto 8333 y los 7 siguientes),
AWS_ENDPOINT_URL (+ AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: almacén S3 externo),
CAUCE_SPARK_PORT (por defecto 15002), SPARK_REMOTE (Spark Connect externo), CAUCE_LAB_DIR
(por defecto .lab/).`;

/** A progress line that rewrites itself on a terminal and prints every 10% elsewhere. */
function progressPrinter(): (progress: Progress) => void {
  let lastDecile = -1;
  return ({ fraction, message }) => {
    if (process.stdout.isTTY) {
      process.stdout.write(`\r${message}${fraction >= 1 ? '\n' : ''}`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      console.log(message);
    }
  };
}

function brokerLog(line: string): void {
  process.stderr.write(`[kafka] ${line}\n`);
}

function configuredBrokers(): string[] {
  const external = envVar('KAFKA_BROKERS')?.trim();
  if (external)
    return external
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
  return [new KafkaBroker().brokers];
}

async function status(): Promise<number> {
  const brokers = configuredBrokers();
  // The embedded lab needs its admin credential (read from its secrets file, root-only).
  const embeddedAdmin = envVar('KAFKA_BROKERS') ? undefined : readSecrets(new KafkaBroker().paths.stateDir);
  const health = await checkKafka(
    brokers,
    3_000,
    embeddedAdmin ? { sasl: { mechanism: 'scram-sha-512', username: embeddedAdmin.adminUser, password: embeddedAdmin.adminPassword } } : {},
  );
  const where = envVar('KAFKA_BROKERS') ? 'modo externo' : 'laboratorio';
  if (health.ok) {
    const version = health.version ? `, Kafka ${health.version}` : '';
    console.log(`Kafka: disponible en ${brokers.join(', ')} (${where}, ${health.brokers} broker(s)${version})`);
    return 0;
  }
  console.log(`Kafka: no disponible (${where}). ${health.error ?? ''}`);
  return 1;
}

async function prepare(writeJarList: boolean): Promise<number> {
  if (envVar('KAFKA_BROKERS')) {
    console.log('KAFKA_BROKERS está definido (modo externo): no hay nada que preparar.');
    return 0;
  }
  const startedAt = Date.now();
  const broker = new KafkaBroker();
  if (writeJarList) {
    const { ensureJars } = await import('./kafka/download');
    await ensureJars({ pom: broker.paths.pom, libsDir: broker.paths.libsDir, onProgress: progressPrinter(), writeJarList });
  }
  const { clusterId, formatted } = await broker.prepare(progressPrinter());
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`Kafka preparado en ${seconds} s (clúster ${clusterId}, ${formatted ? 'almacenamiento nuevo' : 'datos existentes'}).`);
  return 0;
}

async function runKafka(): Promise<number> {
  if (envVar('KAFKA_BROKERS')) return status();
  const startedAt = Date.now();
  const lab = await startLab({ onProgress: progressPrinter(), kafka: { onLog: brokerLog }, airflow: false, hadoop: false, s3: false, spark: false });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`Kafka ${KAFKA_VERSION} listo en ${lab.brokers} tras ${seconds} s. Ctrl-C para detenerlo.`);

  return new Promise<number>((resolvePromise) => {
    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt) {
        // One Ctrl-C arrives twice under `npx tsx` (the terminal signals the whole
        // group and tsx relays it), so only a later, deliberate one forces the exit.
        if (Date.now() - firstSignalAt < 1_500) return;
        console.log('Segunda señal: salida inmediata (el broker se detendrá por su cuenta).');
        process.exit(130);
      }
      firstSignalAt = Date.now();
      console.log(`\n${signal} recibido: deteniendo Kafka…`);
      lab.stop().then(
        () => {
          console.log('Kafka detenido.');
          resolvePromise(0);
        },
        (error: unknown) => {
          console.error(`No se pudo detener Kafka limpiamente: ${describeError(error)}`);
          resolvePromise(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function airflowStatus(): Promise<number> {
  const url = envVar('AIRFLOW_API_URL')?.trim() || new AirflowServer().apiUrl;
  const where = envVar('AIRFLOW_API_URL') ? 'modo externo' : 'laboratorio';
  const health = await checkAirflow(url, 3_000);
  console.log(health.ok ? `Airflow: disponible en ${url} (${where})` : `Airflow: no disponible (${where}). ${health.error ?? ''}`);
  return health.ok ? 0 : 1;
}

async function prepareAirflowCommand(relock: boolean): Promise<number> {
  if (envVar('AIRFLOW_API_URL')) {
    console.log('AIRFLOW_API_URL está definido (modo externo): no hay nada que preparar.');
    return 0;
  }
  const startedAt = Date.now();
  const { installed } = await prepareAirflow({ onProgress: progressPrinter(), relock });
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(installed ? `Airflow ${AIRFLOW_VERSION} instalado en ${seconds} s.` : `Airflow ${AIRFLOW_VERSION} ya estaba instalado.`);
  return 0;
}

async function runAirflow(): Promise<number> {
  const startedAt = Date.now();
  const airflow = await startAirflow({
    onProgress: progressPrinter(),
    server: { onLog: (line) => envVar('CAUCE_AIRFLOW_VERBOSE') && process.stderr.write(`${line}\n`) },
  });
  console.log(`Airflow listo tras ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Ctrl-C para detenerlo.`);
  return untilSignal('Airflow', () => airflow.stop());
}

/** Waits for Ctrl-C / SIGTERM, then stops; a second, deliberate signal exits at once. */
function untilSignal(name: string, stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolvePromise) => {
    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt) {
        if (Date.now() - firstSignalAt < 1_500) return; // the same Ctrl-C relayed by npx tsx
        process.exit(130);
      }
      firstSignalAt = Date.now();
      console.log(`\n${signal} recibido: deteniendo ${name}…`);
      stop().then(
        () => resolvePromise(0),
        (error: unknown) => {
          console.error(`No se pudo detener ${name} limpiamente: ${describeError(error)}`);
          resolvePromise(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function prepareHadoopCommand(writeJarList: boolean, format: boolean): Promise<number> {
  if (externalHadoop()) {
    console.log('HADOOP_CONF_DIR o HADOOP_DEFAULT_FS está definido (modo externo): no hay nada que preparar.');
    return 0;
  }
  const startedAt = Date.now();
  const cluster = new HadoopCluster();
  if (format) await cluster.prepare(progressPrinter());
  else await ensureHadoopJars(cluster.paths, progressPrinter(), writeJarList);
  console.log(`Hadoop ${HADOOP_VERSION} preparado en ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${cluster.paths.libsDir}).`);
  return 0;
}

async function hadoopStatus(): Promise<number> {
  const endpoints = externalHadoop() ?? new HadoopCluster().endpoints;
  const summary = await checkHadoop(endpoints, 3_000);
  for (const c of summary.components) console.log(`${c.service} ${c.component}: ${c.state === 'started' ? 'en marcha' : 'detenido'}${c.detail ? ` (${c.detail})` : ''}`);
  if (summary.hdfs) {
    const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
    console.log(`HDFS: ${gb(summary.hdfs.usedBytes)} usados de ${gb(summary.hdfs.capacityBytes)}, ${summary.hdfs.files} archivos y carpetas, ${summary.hdfs.blocks} bloques`);
  }
  if (summary.yarn) console.log(`YARN: ${summary.yarn.appsRunning} aplicaciones en marcha, ${summary.yarn.memoryUsedMb} de ${summary.yarn.memoryTotalMb} MB asignados`);
  console.log(summary.ok ? 'Hadoop: disponible' : `Hadoop: no disponible. ${summary.error ?? ''}`);
  return summary.ok ? 0 : 1;
}

async function runHadoop(): Promise<number> {
  const startedAt = Date.now();
  const hadoop = await startHadoop({
    when: 'on',
    onProgress: progressPrinter(),
    cluster: { onLog: (line) => process.stderr.write(`${line}\n`) },
  });
  console.log(`Hadoop listo tras ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Ctrl-C para detenerlo.`);
  return untilSignal('Hadoop', () => hadoop.stop());
}

async function prepareS3Command(): Promise<number> {
  if (externalS3()) {
    console.log('AWS_ENDPOINT_URL está definido (modo externo): no hay nada que preparar.');
    return 0;
  }
  const store = new S3Store();
  const { built, seconds } = await store.prepare(progressPrinter());
  console.log(built ? `${SEAWEEDFS_LABEL} compilado en ${seconds.toFixed(0)} s (${store.paths.binary}).` : `${SEAWEEDFS_LABEL} ya estaba compilado (${store.paths.binary}).`);
  return 0;
}

async function s3Status(): Promise<number> {
  const external = externalS3();
  const store = new S3Store();
  const endpoint = external?.endpoint ?? store.endpoint;
  const bucket = external?.bucket ?? LAB_BUCKET;
  // The embedded store's admin key, read from its secrets file (root-only), when it was ever prepared.
  const secrets = external ? undefined : readS3Secrets(store.paths.stateDir);
  const credentials = external?.credentials ?? (secrets && { accessKeyId: secrets.adminAccessKey, secretAccessKey: secrets.adminSecretKey });
  const health = await checkS3(endpoint, { ...(credentials ? { credentials } : {}), bucket, timeoutMs: 3_000 });
  const where = external ? 'modo externo' : 'laboratorio';
  console.log(health.ok ? `Almacén S3: disponible en ${endpoint} (${where}, bucket ${bucket})` : `Almacén S3: no disponible (${where}). ${health.error ?? ''}`);
  return health.ok ? 0 : 1;
}

async function runS3(): Promise<number> {
  const startedAt = Date.now();
  const s3 = await startS3({ when: 'on', onProgress: progressPrinter(), store: { onLog: (line) => process.stderr.write(`[s3] ${line}\n`) } });
  console.log(`Almacén S3 listo tras ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Ctrl-C para detenerlo.`);
  return untilSignal('el almacén S3', () => s3.stop());
}
const sparkTools: CliTools = { progress: progressPrinter, untilSignal: (name, stop) => untilSignal(name, stop) };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'kafka':
      return runKafka();
    case 'prepare':
      return prepare(rest.includes('--write-jar-list'));
    case 'status':
      return status();
    case 'airflow':
      return runAirflow();
    case 'prepare-kafka-python': {
      const { installed } = await prepareKafkaPython();
      console.log(installed ? `kafka-python ${KAFKA_PYTHON_VERSION} instalado.` : `kafka-python ${KAFKA_PYTHON_VERSION} ya estaba instalado.`);
      return 0;
    }
    case 'prepare-spark-client': {
      const { installed } = await prepareSparkClient();
      console.log(installed ? `pyspark-client ${SPARK_CLIENT_VERSION} instalado.` : `pyspark-client ${SPARK_CLIENT_VERSION} ya estaba instalado.`);
      return 0;
    }
    case 'prepare-airflow':
      return prepareAirflowCommand(rest.includes('--relock'));
    case 'airflow-status':
      return airflowStatus();
    case 'hadoop':
      return runHadoop();
    case 'prepare-hadoop':
      return prepareHadoopCommand(rest.includes('--write-jar-list'), rest.includes('--format'));
    case 'hadoop-status':
      return hadoopStatus();
    case 's3':
      return runS3();
    case 'prepare-s3':
      return prepareS3Command();
    case 's3-status':
      return s3Status();
    case 'spark':
      return runSpark(sparkTools);
    case 'prepare-spark':
      return prepareSparkCommand(sparkTools, rest.includes('--write-jar-list'));
    case 'spark-status':
      return sparkStatus();
    default:
      console.log(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${describeError(error)}`);
    process.exit(1);
  },
);
