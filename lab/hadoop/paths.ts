import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labRoot } from '../kafka/paths';

/** lab/hadoop/, where the pom and the jar list live (tracked files). */
export const HADOOP_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Every file the embedded Hadoop owns. Mutable state lives under the gitignored .lab/. */
export interface HadoopPaths {
  readonly pom: string;
  readonly jarList: string;
  /** Jars copied from Maven; shared by every cluster (tests included), and the MapReduce containers' classpath. */
  readonly libsDir: string;
  /** The cluster's state: conf/, data/, logs/, pid files. */
  readonly stateDir: string;
  /** Generated core-site, hdfs-site, yarn-site, mapred-site, capacity-scheduler, log4j (HADOOP_CONF_DIR). */
  readonly confDir: string;
  /**
   * `webapps/<daemon>` folders the NameNode and DataNode's web servers look for on the classpath.
   * The release tarball ships them beside the jars, Maven Central does not; the servlets the lab
   * uses (JMX, WebHDFS) are registered in code, so empty web apps are enough.
   */
  readonly webDir: string;
  readonly nameDir: string;
  readonly dataDir: string;
  /** NodeManager's local dirs (container work) and its container logs. */
  readonly nmLocalDir: string;
  readonly nmLogDir: string;
  readonly logsDir: string;
}

/**
 * @param stateDir @default `<lab root>/hadoop`
 * @param libsDir @default `<lab root>/hadoop/libs`
 */
export function hadoopPaths(stateDir?: string, libsDir?: string): HadoopPaths {
  const state = resolve(/*turbopackIgnore: true*/ stateDir ?? join(labRoot(), 'hadoop'));
  const data = join(state, 'data');
  return {
    pom: join(HADOOP_SOURCE_DIR, 'pom.xml'),
    jarList: join(HADOOP_SOURCE_DIR, 'jars.txt'),
    libsDir: resolve(/*turbopackIgnore: true*/ libsDir ?? join(labRoot(), 'hadoop', 'libs')),
    stateDir: state,
    confDir: join(state, 'conf'),
    webDir: join(state, 'web'),
    nameDir: join(data, 'namenode'),
    dataDir: join(data, 'datanode'),
    nmLocalDir: join(data, 'nm-local'),
    nmLogDir: join(state, 'logs', 'containers'),
    logsDir: join(state, 'logs'),
  };
}
