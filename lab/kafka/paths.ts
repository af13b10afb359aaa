import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envVar } from '../../lib/env';

/** lab/kafka/, where the pom and the log4j config live (tracked files). */
export const KAFKA_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** The repository root (two levels above lab/kafka/). */
export const REPO_ROOT = resolve(KAFKA_SOURCE_DIR, '..', '..');

/** Every file the broker owns. Mutable state lives under the gitignored .lab/. */
export interface KafkaPaths {
  /** Tracked pom that lists the broker's jars. */
  readonly pom: string;
  /** Tracked log4j 2 configuration. */
  readonly log4jConfig: string;
  /** Jars copied from Maven; shared by every broker instance (tests included). */
  readonly libsDir: string;
  /** Compiled LabTopicPolicy, one folder per source version (policy.ts); beside libsDir. */
  readonly policyDir: string;
  /** Broker state: server.properties, data, logs, pid file. */
  readonly stateDir: string;
  readonly dataDir: string;
  readonly logsDir: string;
  readonly configFile: string;
  readonly pidFile: string;
}

/** `$CAUCE_LAB_DIR`, else `<repo>/.lab`: the root of all lab state. */
export function labRoot(): string {
  return resolve(/*turbopackIgnore: true*/ envVar('CAUCE_LAB_DIR') ?? join(REPO_ROOT, '.lab'));
}

/**
 * @param stateDir where this broker keeps its data, logs and pid file.
 *   @default `<lab root>/kafka`
 * @param libsDir where the jars are; shared, so a test broker in a temp dir reuses them.
 *   @default `<lab root>/kafka/libs`
 */
export function kafkaPaths(stateDir?: string, libsDir?: string): KafkaPaths {
  const state = resolve(/*turbopackIgnore: true*/ stateDir ?? join(labRoot(), 'kafka'));
  const libs = resolve(/*turbopackIgnore: true*/ libsDir ?? join(labRoot(), 'kafka', 'libs'));
  return {
    pom: join(KAFKA_SOURCE_DIR, 'pom.xml'),
    log4jConfig: join(KAFKA_SOURCE_DIR, 'log4j2.properties'),
    libsDir: libs,
    policyDir: join(libs, '..', 'policy'),
    stateDir: state,
    dataDir: join(state, 'data'),
    logsDir: join(state, 'logs'),
    configFile: join(state, 'server.properties'),
    pidFile: join(state, 'broker.pid'),
  };
}
