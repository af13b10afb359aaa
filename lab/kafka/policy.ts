import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerStartError } from '../errors';
import { KAFKA_SOURCE_DIR } from './paths';
import { jdkTool } from './process';
import { KAFKA_VERSION } from './version';

const run = promisify(execFile);

/** Tracked source of the broker's topic policy (see its header). */
export const POLICY_SOURCE = join(KAFKA_SOURCE_DIR, 'LabTopicPolicy.java');

/** What the lab's Java classes (the topic policy, the tenant admin) are compiled against and where they go. */
export interface KafkaClassesBuildOptions {
  /** The Kafka jars (kafka-clients, kafka-server-common, slf4j). */
  readonly libsDir: string;
  /** Parent of one folder per source version, e.g. `.lab/kafka/policy`. */
  readonly outRoot: string;
  /** @default `$JAVA_HOME/bin/javac`, else `javac` */
  readonly javac?: string;
}

/** Compiles LabTopicPolicy.java (see {@link ensureKafkaClasses}) and returns the folder for the broker's classpath. */
export function ensurePolicyClasses(options: KafkaClassesBuildOptions): Promise<string> {
  return ensureKafkaClasses({
    ...options,
    source: POLICY_SOURCE,
    classFile: join('cauce', 'kafka', 'LabTopicPolicy.class'),
    failure: (detail, cause) => new BrokerStartError(`No se pudo compilar la política de temas de Kafka (${POLICY_SOURCE}): ${detail}`, { cause }),
  });
}

/**
 * Compiles one of the lab's Java sources against the Kafka jars once per source and Kafka
 * version, into `<outRoot>/<hash>/`, and returns that folder for a classpath. A folder per
 * hash, written to a temp name and renamed, so two labs preparing at once (parallel specs)
 * never see half a build and an edited source never runs stale classes.
 */
export async function ensureKafkaClasses(
  options: KafkaClassesBuildOptions & {
    /** The .java file. */
    readonly source: string;
    /** The main class's file under the output folder (its package's path), to know a build is there. */
    readonly classFile: string;
    /** The error to throw when javac fails, from its Spanish detail. */
    readonly failure: (detail: string, cause: unknown) => Error;
  },
): Promise<string> {
  const source = readFileSync(options.source);
  const hash = createHash('sha256').update(KAFKA_VERSION).update(source).digest('hex').slice(0, 16);
  const target = join(options.outRoot, hash);
  if (existsSync(join(target, options.classFile))) return target;

  mkdirSync(options.outRoot, { recursive: true });
  const building = mkdtempSync(join(options.outRoot, `.build-${hash}-`));
  const javac = options.javac ?? jdkTool('javac');
  try {
    await run(javac, ['-encoding', 'UTF-8', '-nowarn', '-cp', `${options.libsDir}/*`, '-d', building, options.source], { timeout: 120_000 });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const detail =
      (error as { code?: string; stderr?: string }).code === 'ENOENT'
        ? `no se encontró ${javac}: el laboratorio necesita un JDK (no solo un JRE).`
        : ((error as { stderr?: string }).stderr?.trim() ?? String(error));
    throw options.failure(detail, error);
  }
  try {
    renameSync(building, target);
  } catch {
    // Another prepare() finished the same build first: theirs is identical.
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}
