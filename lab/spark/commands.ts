import { envVar } from '../../lib/env';
import type { ProgressListener } from '../kafka/download';
import { ensureSparkJars } from './download';
import { checkSpark } from './health';
import { sparkPaths } from './paths';
import { prepareSparkPython } from './python';
import { SparkServer } from './server';
import { startSpark } from './start';
import { SPARK_VERSION } from './version';

/** What lab/cli.ts lends the Spark commands: its progress line and its wait for Ctrl-C. */
export interface CliTools {
  readonly progress: () => ProgressListener;
  readonly untilSignal: (name: string, stop: () => Promise<void>) => Promise<number>;
}

/** `spark`: prepares, starts and supervises the Spark Connect server in the foreground. */
export async function runSpark(tools: CliTools): Promise<number> {
  const startedAt = Date.now();
  const spark = await startSpark({ when: 'on', onProgress: tools.progress(), server: { onLog: (line) => process.stderr.write(`${line}\n`) } });
  console.log(`Spark listo tras ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${spark.env.CAUCE_SPARK_REMOTE}). Ctrl-C para detenerlo.`);
  return tools.untilSignal('Spark', () => spark.stop());
}

/** `prepare-spark`: pyspark's venv, the connector jars and the guard, without starting anything. */
export async function prepareSparkCommand(tools: CliTools, writeJarList: boolean): Promise<number> {
  if (envVar('SPARK_REMOTE')?.trim()) {
    // The health check and the pyspark kind's client still need pyspark.
    await prepareSparkPython({ onProgress: tools.progress() });
    console.log('SPARK_REMOTE está definido (modo externo): solo se instala el cliente pyspark.');
    return 0;
  }
  const startedAt = Date.now();
  if (writeJarList) await ensureSparkJars(sparkPaths(), tools.progress(), true);
  await new SparkServer().prepare(tools.progress());
  console.log(`Spark ${SPARK_VERSION} preparado en ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
  return 0;
}

/** `spark-status`: a real client call against the lab's (or the external) server. */
export async function sparkStatus(): Promise<number> {
  const external = envVar('SPARK_REMOTE')?.trim();
  const remote = external ?? new SparkServer().remote;
  const health = await checkSpark(remote, 30_000, { guarded: !external });
  console.log(health.ok ? `Spark: disponible (${health.version}, ${remote})` : `Spark: no disponible. ${health.error ?? ''}`);
  return health.ok ? 0 : 1;
}
