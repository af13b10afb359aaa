import type { SparkPaths, SparkPythonPaths } from './paths';

/** What the server's command line is built from. */
export interface SparkServerInput {
  readonly port: number;
  readonly paths: SparkPaths;
  readonly python: SparkPythonPaths;
  /** The compiled guard classes (download.ts ensureGuardClasses). */
  readonly guardDir: string;
  /** The lab broker's SASL listener: the only kafka.bootstrap.servers a session may use. */
  readonly kafkaBootstrap: string;
  /** The S3 store's endpoint, fixed for every session (they may bring keys, never an endpoint). */
  readonly s3Endpoint?: string;
  /** Driver heap in MB. */
  readonly heapMb: number;
  /** local[N]: task threads shared by every session. */
  readonly cores: number;
}

/**
 * What Spark's own launcher (JavaModuleOptions in spark-launcher 4.2.0) adds on Java 17: Arrow
 * and Netty reach into these JDK internals; without them every result batch fails with
 * «sun.misc.Unsafe or java.nio.DirectByteBuffer.<init>(long, int) not available».
 */
const JAVA_MODULE_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  '--add-modules=jdk.incubator.vector',
  ...[
    'java.base/java.lang',
    'java.base/java.lang.invoke',
    'java.base/java.lang.reflect',
    'java.base/java.io',
    'java.base/java.net',
    'java.base/java.nio',
    'java.base/java.util',
    'java.base/java.util.concurrent',
    'java.base/java.util.concurrent.atomic',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.base/sun.nio.cs',
    'java.base/sun.security.action',
    'java.base/sun.util.calendar',
    'java.security.jgss/sun.security.krb5',
  ].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`),
  '-Dio.netty.tryReflectionSetAccessible=true',
  '-Dio.netty.allocator.type=pooled',
  '--enable-native-access=ALL-UNNAMED',
];

/**
 * The server's settings, each with why. Static ones (extensions, interceptors, catalog) cannot be
 * changed by a session at all; the rest the guard refuses to change (Policy.SETTABLE).
 */
export function sparkConf(input: SparkServerInput): Record<string, string> {
  const { paths } = input;
  return {
    'spark.master': `local[${input.cores}]`,
    'spark.app.name': 'Cauce Spark Connect',
    // Loopback only: gRPC for clients, and the driver's own RPC and block manager (by default on
    // the machine's public address).
    'spark.connect.grpc.binding.address': '127.0.0.1',
    'spark.connect.grpc.binding.port': String(input.port),
    'spark.driver.host': '127.0.0.1',
    'spark.driver.bindAddress': '127.0.0.1',
    // The guards (lab/spark/guard): gRPC requests first, then every analyzed plan.
    'spark.connect.grpc.interceptor.classes': 'cauce.spark.ConnectGuard',
    'spark.sql.extensions': 'cauce.spark.PlanGuard',
    // The client compresses plans past this size: the guard could not read them, so never.
    'spark.connect.session.planCompression.threshold': '-1',
    // A plan is a few KB; a student's 100 MB literal is not a lesson.
    'spark.connect.maxPlanSize': String(16 * 1024 * 1024),
    'spark.connect.grpc.maxInboundMessageSize': String(32 * 1024 * 1024),
    // Refusals and errors reach students as one message, without the server's stack and paths.
    'spark.sql.connect.serverStacktrace.enabled': 'false',
    // The web UI would show every student's queries and their options (passwords included).
    'spark.ui.enabled': 'false',
    'spark.eventLog.enabled': 'false',
    'spark.sql.connect.ui.retainedSessions': '0',
    // Under the lab folder, owned by the server's uid.
    'spark.local.dir': paths.localDir,
    'spark.sql.warehouse.dir': paths.warehouseDir,
    'spark.sql.catalogImplementation': 'in-memory',
    // `SELECT * FROM parquet.`/etc`` reads a path during analysis, before any check rule.
    'spark.sql.runSQLOnFiles': 'false',
    // No Python worker may start on the server even if a path to one were missed.
    'spark.pyspark.python': '/bin/false',
    'spark.pyspark.driver.python': '/bin/false',
    // The S3A file system cache is per JVM user, all sessions alike: one student's credentials
    // would then serve the next session that opens the same bucket. Uncached, each file system
    // is made with the session's own keys.
    'spark.hadoop.fs.s3a.impl.disable.cache': 'true',
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    // No credentials of the server's own: not from its environment, a profile or an instance
    // role. A session without keys is anonymous and the store refuses it.
    'spark.hadoop.fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    ...(input.s3Endpoint
      ? {
          'spark.hadoop.fs.s3a.endpoint': input.s3Endpoint,
          'spark.hadoop.fs.s3a.connection.ssl.enabled': String(input.s3Endpoint.startsWith('https:')),
          'spark.hadoop.fs.s3a.endpoint.region': 'us-east-1',
        }
      : {}),
    // Streams of many sessions share two cores: keep shuffles small.
    'spark.sql.shuffle.partitions': '2',
    'spark.sql.streaming.numRecentProgressUpdates': '20',
    // Sessions idle for 15 minutes are closed (their queries with them).
    'spark.connect.session.manager.defaultSessionTimeout': '15min',
  };
}

/** The JVM's command line: java, the small-heap flags, Spark's module options, the classpath, SparkSubmit. */
export function sparkCommand(input: SparkServerInput, java: string): string[] {
  // Every jar on the driver's classpath, not in spark.jars: in local mode the executor is this
  // JVM, and spark.jars would copy each jar (the 650 MB AWS bundle) into a fresh work folder on
  // every start. They are local paths all the same: nothing is fetched at run time.
  const classpath = [`${input.python.sparkJars}/*`, `${input.paths.libsDir}/*`, input.guardDir].join(':');
  const conf = Object.entries(sparkConf(input)).flatMap(([key, value]) => ['--conf', `${key}=${value}`]);
  return [
    java,
    `-Xms${Math.min(input.heapMb, 256)}m`,
    `-Xmx${input.heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:MaxMetaspaceSize=256m',
    '-XX:ReservedCodeCacheSize=96m',
    '-XX:+ExitOnOutOfMemoryError',
    // No JVM of the same uid may attach an agent to this one.
    '-XX:+DisableAttachMechanism',
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.io.tmpdir=${input.paths.tmpDir}`,
    // The server's uid has no passwd entry: Java's user.home would be «?», and SparkSubmit builds
    // its (unused) Ivy settings from it.
    `-Duser.home=${input.paths.stateDir}`,
    `-Dcauce.kafka.bootstrap=${input.kafkaBootstrap}`,
    ...JAVA_MODULE_OPTIONS,
    '-cp',
    classpath,
    'org.apache.spark.deploy.SparkSubmit',
    '--class',
    'org.apache.spark.sql.connect.service.SparkConnectServer',
    ...conf,
    'spark-internal',
  ];
}
