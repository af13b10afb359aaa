import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SparkStartError } from '../errors';
import { ensureJars, type ProgressListener } from '../kafka/download';
import { jdkTool } from '../kafka/process';
import type { SparkPaths, SparkPythonPaths } from './paths';
import { SPARK_VERSION } from './version';

const execFileAsync = promisify(execFile);

/**
 * Copies the Kafka connector and S3A jars into the libs folder with Maven (lab/spark/pom.xml),
 * unless this version's are there; progress counts Maven's "Downloaded" lines against
 * lab/spark/jars.txt, like Kafka's and Hadoop's. The AWS SDK bundle alone is 650 MB.
 */
export function ensureSparkJars(paths: SparkPaths, onProgress?: ProgressListener, writeJarList = false): Promise<void> {
  return ensureJars({
    pom: paths.pom,
    libsDir: paths.libsDir,
    writeJarList,
    product: { name: 'los conectores de Spark (Kafka y S3)', version: SPARK_VERSION, jarList: paths.jarList, libsProperty: 'lab.spark.libs' },
    ...(onProgress ? { onProgress } : {}),
  });
}

/**
 * Compiles the guard (lab/spark/guard: the gRPC interceptor and the plan check) against pyspark's
 * jars, once per source and Spark version, into `<guardDir>/<hash>/`, and returns that folder
 * for the server's classpath. Written to a temp name and renamed, like the Kafka topic policy,
 * so two servers preparing at once never see half a build.
 */
export async function ensureGuardClasses(paths: SparkPaths, python: SparkPythonPaths): Promise<string> {
  const sources = readdirSync(paths.guardSources)
    .filter((name) => name.endsWith('.java'))
    .sort()
    .map((name) => join(paths.guardSources, name));
  const hash = createHash('sha256').update(SPARK_VERSION);
  for (const source of sources) hash.update(readFileSync(source));
  const target = join(paths.guardDir, hash.digest('hex').slice(0, 16));
  if (existsSync(join(target, 'cauce', 'spark', 'PlanGuard.class'))) return target;
  mkdirSync(paths.guardDir, { recursive: true });
  const building = mkdtempSync(join(paths.guardDir, '.build-'));
  const javac = jdkTool('javac');
  try {
    await execFileAsync(javac, ['-encoding', 'UTF-8', '-nowarn', '-cp', `${python.sparkJars}/*`, '-d', building, ...sources], { timeout: 180_000 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const detail =
      (error as { code?: string }).code === 'ENOENT'
        ? `no se encontró ${javac}: el laboratorio necesita un JDK (no solo un JRE).`
        : ((error as { stderr?: string }).stderr?.trim() ?? String(error));
    throw new SparkStartError(`No se pudo compilar la guarda de Spark (${paths.guardSources}): ${detail}`, { cause: error });
  }
  // mkdtemp made it 0700: the server's own uid must read the classes.
  chmodSync(building, 0o755);
  try {
    renameSync(building, target);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another prepare finished the same build first
  }
  return target;
}
