import { join, resolve } from 'node:path';
import { envVar } from '../../lib/env';
import { prepareSandboxVenv, sandboxVenvInstalled, sandboxVenvPaths, type SandboxVenvPaths } from '../sandbox-venv';
import { KAFKA_SOURCE_DIR, REPO_ROOT } from './paths';

/** The pinned client (lab/kafka/python/requirements.in), named in messages. */
export const KAFKA_PYTHON_VERSION = '3.0.12';

/** Where the kafka-py kind's client lives. */
export type KafkaPythonPaths = SandboxVenvPaths;

export function kafkaPythonPaths(): KafkaPythonPaths {
  const installDir = resolve(/*turbopackIgnore: true*/ envVar('CAUCE_KAFKA_PYTHON_DIR') ?? join(REPO_ROOT, '.lab', 'kafka-python'));
  return sandboxVenvPaths(installDir, join(KAFKA_SOURCE_DIR, 'python', 'requirements.lock'));
}

/** True when the venv matches the committed lock. */
export function kafkaPythonInstalled(paths: KafkaPythonPaths = kafkaPythonPaths()): boolean {
  return sandboxVenvInstalled(paths);
}

/** Idempotent install of the article's Python client for kafka-py runs (a second of pip on the first start, nothing after). */
export function prepareKafkaPython(paths: KafkaPythonPaths = kafkaPythonPaths()): Promise<{ installed: boolean }> {
  return prepareSandboxVenv(paths, { runs: 'Los ejemplos de Kafka en Python', packages: `kafka-python ${KAFKA_PYTHON_VERSION}`, of: 'de kafka-python' });
}
