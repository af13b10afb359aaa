import { join, resolve } from 'node:path';
import { envVar } from '../../lib/env';
import { REPO_ROOT } from '../kafka/paths';
import { prepareSandboxVenv, sandboxVenvInstalled, sandboxVenvPaths, type SandboxVenvPaths } from '../sandbox-venv';

/** The pinned client (lab/spark/client/requirements.in), named in messages. */
export const SPARK_CLIENT_VERSION = '4.2.0';

/** Where the pyspark kind's Spark Connect client lives (like kafka-python's, not under CAUCE_LAB_DIR). */
export type SparkClientPaths = SandboxVenvPaths;

export function sparkClientPaths(): SparkClientPaths {
  const installDir = resolve(/*turbopackIgnore: true*/ envVar('CAUCE_SPARK_CLIENT_DIR') ?? join(REPO_ROOT, '.lab', 'spark-client'));
  return sandboxVenvPaths(installDir, join(REPO_ROOT, 'lab', 'spark', 'client', 'requirements.lock'));
}

/** True when the venv matches the committed lock. */
export function sparkClientInstalled(paths: SparkClientPaths = sparkClientPaths()): boolean {
  return sandboxVenvInstalled(paths);
}

/**
 * Idempotent install of the thin Spark Connect client for pyspark runs: pyspark-client and its
 * wheels (gRPC, pyarrow, pandas). About 20 s of pip on the first start (80 MB of wheels), nothing after.
 */
export function prepareSparkClient(paths: SparkClientPaths = sparkClientPaths()): Promise<{ installed: boolean }> {
  return prepareSandboxVenv(paths, { runs: 'Los trabajos de Spark', packages: `pyspark-client ${SPARK_CLIENT_VERSION}`, of: 'del cliente de Spark' });
}
