import type { ProgressListener } from '../kafka/download';
import { prepareSandboxVenv, sandboxVenvInstalled } from '../sandbox-venv';
import { sparkPythonPaths, type SparkPythonPaths } from './paths';
import { SPARK_VERSION } from './version';

/** How long a cold install usually takes here (pyspark is a 450 MB sdist pip builds into a wheel). */
const EXPECTED_INSTALL_MS = 95_000;

/** True when the venv matches the committed lock. */
export function sparkPythonInstalled(paths: SparkPythonPaths = sparkPythonPaths()): boolean {
  return sandboxVenvInstalled(paths);
}

/**
 * Idempotent install of the lab's pyspark: a venv from the system's Python with the committed
 * lock (hashes checked), bytecode compiled so a read-only sandbox imports it without writing.
 * Its jars folder is the Spark Connect server; its Python package the health check's client and
 * the pyspark kind's. Readable by every uid: the server runs as its own, the sandboxes as theirs.
 */
export function prepareSparkPython(options: { onProgress?: ProgressListener; paths?: SparkPythonPaths } = {}): Promise<{ installed: boolean }> {
  const { onProgress } = options;
  return prepareSandboxVenv(
    options.paths ?? sparkPythonPaths(),
    { runs: 'Spark y sus clientes', packages: `pyspark ${SPARK_VERSION}`, of: 'de pyspark' },
    onProgress ? { onProgress, expectedMs: EXPECTED_INSTALL_MS } : undefined,
  );
}
