import { ensureJars, type ProgressListener } from '../kafka/download';
import type { HadoopPaths } from './paths';
import { HADOOP_VERSION } from './version';

/**
 * Copies Hadoop's jars into the libs folder with Maven (lab/hadoop/pom.xml), unless this version's
 * are there; progress counts Maven's "Downloaded" lines against lab/hadoop/jars.txt, like Kafka's.
 */
export function ensureHadoopJars(paths: HadoopPaths, onProgress?: ProgressListener, writeJarList = false): Promise<void> {
  return ensureJars({
    pom: paths.pom,
    libsDir: paths.libsDir,
    writeJarList,
    product: { name: 'Hadoop', version: HADOOP_VERSION, jarList: paths.jarList, libsProperty: 'lab.hadoop.libs' },
    ...(onProgress ? { onProgress } : {}),
  });
}
