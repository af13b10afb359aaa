import { jdkTool } from '../kafka/process';

/**
 * What Hadoop 3.4's own launcher scripts add on Java 17 (HADOOP-19310): its RPC and web layers
 * reach into these JDK packages by reflection, which Java 17 refuses unless they are opened.
 */
export const JPMS_FLAGS = [
  'java.base/java.lang',
  'java.base/java.lang.reflect',
  'java.base/java.io',
  'java.base/java.net',
  'java.base/java.nio',
  'java.base/java.util',
  'java.base/java.util.concurrent',
  'java.base/java.util.concurrent.atomic',
  'java.base/sun.nio.ch',
  'java.base/sun.security.action',
].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`);

/**
 * A small JVM for this 2-core machine shared with Kafka, Airflow and Spark: a fixed heap, the
 * serial collector (no GC threads per core), a capped code cache and metaspace.
 */
export function smallJvmFlags(heapMb: number): string[] {
  return [
    `-Xms${Math.min(heapMb, 64)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseSerialGC',
    '-XX:ReservedCodeCacheSize=48m',
    '-XX:MaxMetaspaceSize=128m',
    '-Xss512k',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.net.preferIPv4Stack=true',
    '-Djava.awt.headless=true',
    ...JPMS_FLAGS,
  ];
}

/** `$JAVA_HOME/bin/java`, else `java`. */
export function javaBin(): string {
  return jdkTool('java');
}
