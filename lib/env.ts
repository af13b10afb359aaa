import os from 'node:os';
import { z } from 'zod';

/** A whole number; an empty value (`PORT= npm start`) means unset, so the default, as `Number(x) || d` did. */
const wholeNumber = () => z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().positive().optional());

/**
 * Every environment variable the site and the lab read, typed and described in one module
 * (STYLE.md: env variables typed in one module). Read them through {@link serverEnv} or
 * {@link envVar}, never as `process.env.X`. This module imports nothing of the project, so the
 * lab's code and the scripts may read it too. Variables the site only *sets* for a child (a
 * sandbox's environment, Airflow's) are not here: they are that child's input, not configuration.
 */
const Env = z.object({
  // Kafka.
  KAFKA_BROKERS: z.string().optional().describe('Comma-separated brokers of an existing cluster (external mode: the lab starts no broker); default the embedded 127.0.0.1:9092'),
  CAUCE_LAB_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
  KAFKA_ADMIN_USERNAME: z.string().optional().describe('Kafka super user (SCRAM-SHA-512) for provisioning students; set by the launcher, never passed to runs'),
  KAFKA_ADMIN_PASSWORD: z.string().optional().describe('Its password; without both, runs use Kafka without SASL or isolation (external mode)'),
  CAUCE_KAFKA_PORT: wholeNumber().describe('Client port of the embedded broker; the controller takes the next one. Default 9092'),
  JAVA_HOME: z.string().optional().describe('JDK for the embedded broker, its topic policy and the tenant admin; default `java` and `javac` on PATH'),
  // Runs.
  CAUCE_MAX_CONCURRENT_RUNS: wholeNumber().describe(
    'Caps the runs executing at once, in all and per kind (queue and sandbox slots, at most 64); default: 2 × cores kafka-ts plus 1 × cores airflow-dag (runCapacity)',
  ),
  CAUCE_RUNS_PER_MINUTE: wholeNumber().describe('Runs one student may start per minute; default DEFAULT_RUNS_PER_MINUTE (lib/limits.ts)'),
  CAUCE_RUNS_PER_STUDENT: wholeNumber().describe('Concurrent runs per student; default 1'),
  // Airflow.
  AIRFLOW_API_URL: z.string().optional().describe("The lab's (or an external) Airflow REST base; set by the launcher, or by hand for external mode"),
  AIRFLOW_UI_URL: z.string().optional().describe('Base of the Airflow UI links shown in lessons; default AIRFLOW_API_URL'),
  AIRFLOW_USERNAME: z.string().optional().describe('Airflow user "Enviar al scheduler" signs in as; default admin'),
  AIRFLOW_PASSWORD: z.string().optional().describe('Its password'),
  AIRFLOW_DAGS_DIR: z.string().optional().describe("The Airflow DAG folder students' files are written to (a subfolder each); set by the launcher"),
  CAUCE_AIRFLOW_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
  CAUCE_AIRFLOW_PORT: wholeNumber().describe('Port of the embedded api-server (UI + REST); it uses the next two as well. Default 8080'),
  CAUCE_AIRFLOW_HOST: z.string().optional().describe('Interface the embedded api-server listens on; default 127.0.0.1'),
  CAUCE_AIRFLOW_UID: wholeNumber().describe("The uid the lab's Airflow runs as when started by root (owns the launcher socket and the log files); default 61900"),
  CAUCE_AIRFLOW_POOL_SIZE: wholeNumber().describe('Warm DAG workers kept waiting for "Ejecutar"; default: the airflow-dag runs at once (runCapacity)'),
  CAUCE_AIRFLOW_INSTALL_DIR: z.string().optional().describe('The Airflow installation (venv, template DB); default <repo>/.lab/airflow. Set by the launcher'),
  CAUCE_KAFKA_PYTHON_DIR: z
    .string()
    .optional()
    .describe("The kafka-py kind's Python client (a venv with kafka-python from lab/kafka/python/requirements.lock); default <repo>/.lab/kafka-python"),
  CAUCE_SPARK_CLIENT_DIR: z
    .string()
    .optional()
    .describe("The pyspark kind's Spark Connect client (a venv with pyspark-client from lab/spark/client/requirements.lock); default <repo>/.lab/spark-client"),
  CAUCE_AIRFLOW_WORKER_DIR: z.string().optional().describe("Folder of the DAG worker's Python (cauce_dag_worker.py); default <repo>/lab/airflow/worker"),
  CAUCE_AIRFLOW_PYTHON: z.string().optional().describe('Python 3.10–3.13 with venv that builds the Airflow virtualenv; default /usr/bin/python3'),
  CAUCE_AIRFLOW_VERBOSE: z.string().optional().describe("Any value: `lab/cli.ts airflow` prints the Airflow components' own log lines"),
  // The embedded Airflow's task launcher (lib/runs/airflow/tasks/launcher.ts), set by the launcher.
  CAUCE_TASK_LAUNCHER_SOCKET: z.string().optional().describe("Unix socket the lab's executor hands each task to; the site runs the task in the sandbox"),
  AIRFLOW_LOGS_DIR: z.string().optional().describe("The lab Airflow's base log folder: a task's sandbox may write only its own log file there"),
  // Hadoop (lab/hadoop/).
  CAUCE_HADOOP_PORT: wholeNumber().describe(
    "First port of the embedded Hadoop's block of 14 (NameNode web; RPC, DataNode, ResourceManager, NodeManager, shuffle follow). Default 9870",
  ),
  CAUCE_HADOOP: z
    .enum(['on', 'demand', 'off'])
    .default('demand')
    .describe('"on": the launcher starts the embedded Hadoop with the lab; "demand": when a Hadoop lesson first asks for it; "off": never'),
  HADOOP_CONF_DIR: z.string().optional().describe("An existing cluster's client configuration (core-site.xml, hdfs-site.xml, yarn-site.xml): external mode, no Hadoop is started"),
  HADOOP_DEFAULT_FS: z
    .string()
    .optional()
    .describe("An existing cluster's fs.defaultFS (hdfs://host:8020) when there is no HADOOP_CONF_DIR: its NameNode web on host:9870, ResourceManager on host:8088"),
  CAUCE_HADOOP_NAMENODE_URL: z.string().optional().describe("The NameNode's web base (http://127.0.0.1:9870) the site reads the cluster summary from; set by the launcher"),
  CAUCE_HADOOP_RM_URL: z.string().optional().describe("The ResourceManager's web base (REST /ws/v1/cluster); set by the launcher"),
  CAUCE_HADOOP_MODE: z.enum(['embedded', 'external']).optional().describe('Set by the launcher; absent when this server has no Hadoop'),
  // The S3 store (lab/s3/).
  CAUCE_S3_PORT: wholeNumber().describe("First port of the embedded S3 store's block of 8 (the S3 API; SeaweedFS's master, volume and filer servers follow). Default 8333"),
  CAUCE_S3: z
    .enum(['on', 'demand', 'off'])
    .default('demand')
    .describe('"on": the launcher starts the embedded S3 store with the lab; "demand": when a lesson or run first needs it; "off": never'),
  AWS_ENDPOINT_URL: z
    .string()
    .optional()
    .describe('An existing S3-compatible store (https://host:port): external mode, no store is started; with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'),
  AWS_ACCESS_KEY_ID: z.string().optional().describe("The external store's access key (external mode only: every student uses it, under their own prefix)"),
  AWS_SECRET_ACCESS_KEY: z.string().optional().describe('Its secret key'),
  AWS_REGION: z.string().optional().describe('Region the S3 requests are signed for; default us-east-1'),
  CAUCE_S3_BUCKET: z.string().optional().describe('The bucket lessons use on an external store; default test-bucket'),
  CAUCE_S3_MODE: z.enum(['embedded', 'external']).optional().describe('Set by the launcher; absent when this server has no S3 store'),
  CAUCE_S3_ENDPOINT: z.string().optional().describe('The S3 API the site and runs use (http://127.0.0.1:8333); set by the launcher'),
  CAUCE_S3_FILER_URL: z.string().optional().describe("The embedded store's filer (students' identities are written there); set by the launcher, never passed to runs"),
  CAUCE_S3_ADMIN_ACCESS_KEY: z
    .string()
    .optional()
    .describe("The store's admin access key for the site's server (students' identities, the S3 browser); set by the launcher, never passed to runs"),
  CAUCE_S3_ADMIN_SECRET_KEY: z.string().optional().describe('Its secret key'),
  // Spark (lab/spark/).
  CAUCE_SPARK_PORT: wholeNumber().describe('Port of the embedded Spark Connect server (loopback only). Default 15002'),
  CAUCE_SPARK: z
    .enum(['on', 'demand', 'off'])
    .default('demand')
    .describe('"on": the launcher starts the embedded Spark Connect server with the lab; "demand": when a pyspark run first asks for it; "off": never'),
  SPARK_REMOTE: z.string().optional().describe('An existing Spark Connect server (sc://host:15002): external mode, the lab starts no Spark'),
  CAUCE_SPARK_UID: wholeNumber().describe("The uid the lab's Spark Connect server runs as when started by root; default 61910"),
  CAUCE_SPARK_PYTHON_DIR: z
    .string()
    .optional()
    .describe("The lab's pyspark (a venv from lab/spark/python/requirements.lock: the server's jars and the Spark Connect client); default <repo>/.lab/spark-python"),
  CAUCE_SPARK_REMOTE: z.string().optional().describe('The Spark Connect server pyspark runs use (sc://127.0.0.1:15002); set by the launcher'),
  CAUCE_SPARK_MODE: z.enum(['embedded', 'external']).optional().describe('Set by the launcher; absent when this server has no Spark'),
  CAUCE_SPARK_KAFKA_BOOTSTRAP: z
    .string()
    .optional()
    .describe("The kafka.bootstrap.servers a pyspark run must give Spark's Kafka source (the lab broker's SASL listener as the server reaches it); set by the launcher"),
  // The lab's data.
  CAUCE_LAB_DIR: z.string().optional().describe("Root of the lab's state (Kafka data, Airflow home, the SQLite file); default <repo>/.lab"),
  // Course hosting (read at request time: lib/auth/mode.ts, lib/db/connect.ts, lib/auth/session.ts).
  CAUCE_MODE: z.string().optional().describe('"course": students join with a code, instructors sign in; anything else: single-user (the default)'),
  DATABASE_URL: z.string().optional().describe("PostgreSQL for the site's data; default SQLite in <lab dir>/cauce.sqlite"),
  CAUCE_DB_FILE: z.string().optional().describe('The SQLite file (tests: ":memory:")'),
  CAUCE_SESSION_SECRET: z.string().optional().describe('Session signing key shared by several servers (at least 32 characters); default: random, kept in the database'),
  CAUCE_INSTRUCTOR_PASSWORD: z.string().optional().describe('Initial instructor password; default: generated and printed once'),
  CAUCE_SECURE_COOKIE: z.string().optional().describe('"1": the session cookie is Secure even when the request\'s Origin is not https (TLS ends before a proxy that rewrites it)'),
  // Who may connect: read by the front door (lib/http/front-door.mjs) in scripts/serve-next.mjs, before Next starts.
  PORT: wholeNumber().describe('Port the site listens on; default 3000. `npm start -- --port N` wins'),
  CAUCE_HOST: z.string().optional().describe('Address the site listens on; default 127.0.0.1 (this machine only). `npm start -- --host 0.0.0.0` also sets it'),
  CAUCE_ALLOWED_HOSTS: z
    .string()
    .optional()
    .describe('Comma-separated extra Host names served, e.g. a reverse proxy\'s public name ("aula.example.org" or with ":port"); loopback and the listening address always are'),
  CAUCE_TRUST_PROXY: z.string().optional().describe('"1": a reverse proxy is in front, so the first X-Forwarded-For is the client\'s address (rate limits count it)'),
});

export type ServerEnv = z.infer<typeof Env>;

/** Every declared name: env.spec.ts holds the plain-JavaScript readers (front door, serve-next.mjs) to it. */
export const DECLARED_ENV: readonly string[] = Object.keys(Env.shape);

/** Variables to read: the process's own, or a test's. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

let cached: ServerEnv | undefined;

/** The whole configuration, parsed once per process: for settings fixed for the server's life. */
export function serverEnv(): ServerEnv {
  cached ??= Env.parse(process.env);
  return cached;
}

/** Tests that change the environment: the next {@link serverEnv} parses it again. */
export function resetServerEnv(): void {
  cached = undefined;
}

/**
 * One variable, parsed by its declaration each time it is asked for: for what is read at
 * request time on purpose (course mode), what tests and the launcher change between calls
 * (the lab's folders and ports), and code that is handed the variables to read (`source`).
 * A malformed value throws, naming the variable.
 */
export function envVar<K extends keyof ServerEnv>(key: K, source: EnvSource = process.env): ServerEnv[K] {
  const parsed = Env.shape[key].safeParse(source[key]);
  if (!parsed.success) throw new Error(`La variable de entorno ${key} no es válida: ${z.prettifyError(parsed.error)}`);
  return parsed.data as ServerEnv[K];
}

/** The brokers runs use: KAFKA_BROKERS, else the embedded lab's. */
export function kafkaBrokers(): string[] {
  return (serverEnv().KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** Runs executing at once, in all and per kind (see {@link runCapacity}). */
export interface RunCapacity {
  total: number;
  /** kafka-ts runs at once, and the kafka-ts sandbox's uid slots. */
  kafkaTs: number;
  /** airflow-dag runs at once, and the warm DAG workers kept. */
  airflowDag: number;
  /** shell runs at once, and the shell sandbox's uid slots (62000+). */
  shell: number;
  /** pyspark runs at once (Spark Connect clients of the lab's one server), and their uid slots (62600+). */
  pyspark: number;
}

/**
 * How many runs execute at once, from one place, so a run the queue lets through always finds
 * a sandbox slot (a smaller slot pool made the run after the 4th fail with "ocupado" on a
 * larger machine instead of waiting). Per kind, because they spend their time differently:
 * a kafka-ts run mostly waits on the broker (a consumer's group join and polls, a producer's
 * acks), so twice the cores of them share the CPU well, and two waiting consumers no longer
 * hold the only two places while producers queue behind them; a DAG run is CPU-bound
 * (Airflow's scheduler loop, a task child per task), one per core.
 * CAUCE_MAX_CONCURRENT_RUNS caps the total and each kind (a small or shared machine).
 * At most 64 kafka-ts slots: their uids are 61000+ and tests' own sandboxes start at 61100.
 */
export function runCapacity(): RunCapacity {
  const cores = Math.max(1, os.availableParallelism());
  const cap = serverEnv().CAUCE_MAX_CONCURRENT_RUNS;
  const kafkaTs = Math.min(64, cap ?? 2 * cores);
  const airflowDag = Math.min(64, cap ?? cores);
  // A shell script of checks is short and mostly waits on its commands: one per core.
  const shell = Math.min(64, cap ?? cores);
  // Spark jobs share one Spark Connect server whose local executors have the machine's cores: one per core.
  const pyspark = Math.min(64, cap ?? cores);
  return { total: Math.min(cap ?? Infinity, kafkaTs + airflowDag + shell + pyspark), kafkaTs, airflowDag, shell, pyspark };
}
