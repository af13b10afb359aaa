import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BrokerStartError } from '../errors';

const run = promisify(execFile);

export interface FormatOptions {
  readonly java: string;
  /** Classpath with a trailing `*`, e.g. `<libs>/*`. */
  readonly classpath: string;
  readonly configFile: string;
  readonly dataDir: string;
  /** JVM flags shared with the broker (logging config). */
  readonly jvmFlags: readonly string[];
  /** SCRAM-SHA-512 user bootstrapped into the metadata log (the lab's admin). */
  readonly scramUser: { readonly name: string; readonly password: string };
  /**
   * The cluster id to format with: every node of a multi-node cluster shares one.
   * @default a new random id (StorageTool random-uuid)
   */
  readonly clusterId?: string;
  /**
   * `standalone`: a dynamic quorum whose only voter is this node (the lab's one node).
   * `static`: the config file lists every voter (controller.quorum.voters); no quorum flag.
   * @default 'standalone'
   */
  readonly quorum?: 'standalone' | 'static';
}

/** The cluster id stored in the data dir, or undefined when it is not formatted. */
export function formattedClusterId(dataDir: string): string | undefined {
  const meta = join(dataDir, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

/**
 * Formats the KRaft storage once. Later calls find meta.properties and return at once,
 * so the topics and offsets under .lab/ survive restarts.
 *
 * @returns the cluster id and whether this call formatted the storage
 */
export async function formatStorageOnce(options: FormatOptions): Promise<{ clusterId: string; formatted: boolean }> {
  const existing = formattedClusterId(options.dataDir);
  if (existing) return { clusterId: existing, formatted: false };

  // A data dir without meta.properties comes from an interrupted format; the broker
  // cannot use it. Move it aside rather than delete: it is the student's data folder.
  if (existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) {
    renameSync(options.dataDir, `${options.dataDir}.incompleto-${Date.now()}`);
  }

  const tool = (...args: string[]) =>
    run(options.java, [...options.jvmFlags, '-cp', options.classpath, 'kafka.tools.StorageTool', ...args], {
      timeout: 120_000,
    });
  try {
    // Last line only: a JVM warning may precede the id.
    const clusterId = options.clusterId ?? (await tool('random-uuid')).stdout.trim().split('\n').pop() ?? '';
    // --standalone: a dynamic quorum whose only voter is this node (KIP-853); a static quorum
    // takes its voters from the config file and refuses the flag.
    const quorumFlags = (options.quorum ?? 'standalone') === 'standalone' ? ['--standalone'] : [];
    // --add-scram: with SASL on every listener the admin must exist before the first start.
    const { name, password } = options.scramUser;
    await tool('format', '-t', clusterId, '-c', options.configFile, ...quorumFlags, '--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`);
    return { clusterId, formatted: true };
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new BrokerStartError(`No se pudo formatear el almacenamiento de Kafka: ${detail}`, { cause: error });
  }
}
