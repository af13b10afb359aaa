import type { SandboxSpec } from '../command';
import { processLimitsOf, type SandboxLimits } from '@/lib/limits';
import type { SlotNetwork } from '../network';
import { SANDBOX_NODE, type SandboxRuntime } from '../runtime';
import { SANDBOX_DIR } from '../stack';
import type { RunDirs } from '../workdir';

export interface NodeSpecInput {
  uid: number;
  limits: SandboxLimits;
  runtime: SandboxRuntime;
  dirs: RunDirs;
  /** Variables the program may see (e.g. KAFKA_BROKERS); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  /**
   * Emitted entry file name, e.g. `producer.mjs`; or {@link WARM_BOOT}: node starts ahead of
   * the run and waits for its entry on stdin (lib/sandbox/warm.ts).
   */
  entry: string;
  network: SlotNetwork;
  cgroupProcs: readonly string[];
  /** Adds node's permission model as a second layer. @default true */
  nodePermissions?: boolean;
}

/** Where the relay preload appears inside (readable under node's permission model). */
const RELAY_PRELOAD = '/opt/cauce/relay.mjs';
/** The entry of a warm sandbox: warm/boot.mjs, bound here. */
export const WARM_BOOT = '/opt/cauce/warm.mjs';
// Variables that would change how node or the loader behave are set by us, as argv, or not at all.
const RESERVED_ENV = /^(NODE_|LD_|HOME$|PATH$|TMPDIR$|UV_|MALLOC_|CAUCE_RELAYS$)/;

/**
 * glibc gives each thread that allocates its own 64 MB malloc arena of address space. node's
 * GC helpers and the threadpool (SCRAM's pbkdf2) all allocate: a producer of 30,000 messages
 * grew from 711 to 1,212 MB of address space and died under RLIMIT_AS ("NewSpace … Allocation
 * failed") with 12 MB of heap in use. Two arenas: 764 MB for the same work, same speed here.
 */
const MALLOC_ARENAS = '2';

/** The run's own variables, refused if one would change how node or the loader behave. */
export function checkProgramEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  for (const key of Object.keys(env)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key) || RESERVED_ENV.test(key)) throw new RangeError(`env ${key} is not allowed`);
  }
  return { ...env };
}

/**
 * No V8 flag when the run has a cgroup: any V8 flag on node's command line makes node reject
 * the code cache its built-in modules ship with (V8 checks the flags), so each run compiled
 * net, tls, crypto, zlib and the ESM loader from source: 91 against 79 ms of the machine's CPU
 * per run that loads kafkajs (six blocks of ten runs each way, alternating). The cgroup holds
 * the whole tree to its budget (treeBudgetOf in lib/limits.ts; past it the kernel stops the
 * run: memory-limit).
 * Without cgroups, RLIMIT_AS alone would let the heap grow to about a gigabyte, so V8's own
 * cap stays, and the code cache is the price.
 */
function heapFlag(input: NodeSpecInput): string[] {
  return input.cgroupProcs.length > 0 ? [] : [`--max-old-space-size=${input.limits.memoryMb}`];
}

/** The kafka-ts kind: node, the student's transpiled files, kafkajs behind the watching shim. */
export function nodeSandboxSpec(input: NodeSpecInput): SandboxSpec {
  const { runtime, dirs, limits } = input;
  const env: Record<string, string> = { HOME: '/tmp', PATH: '/usr/bin', MALLOC_ARENA_MAX: MALLOC_ARENAS, ...checkProgramEnv(input.env) };
  // Second layer, not the boundary: refuses child_process, workers, and fs outside these paths,
  // with an error that names what was refused (so the student gets a clear message).
  const permissions = [
    runtime.nodeMajor >= 22 ? '--permission' : '--experimental-permission',
    `--allow-fs-read=${SANDBOX_DIR}/*`,
    `--allow-fs-read=${RELAY_PRELOAD}`,
    `--allow-fs-read=${WARM_BOOT}`,
    '--allow-fs-read=/tmp/*',
    '--allow-fs-write=/tmp/*',
    '--disable-warning=ExperimentalWarning',
  ];
  const relay = input.network.routes.length > 0 ? ['--import', RELAY_PRELOAD] : [];
  return {
    uid: input.uid,
    rlimits: processLimitsOf(limits),
    systemArgs: runtime.systemArgs,
    readOnly: [
      [runtime.nodePath, SANDBOX_NODE],
      [dirs.src, SANDBOX_DIR],
      // Students import 'kafkajs' and get the watching shim, which requires the real package
      // (bundled into one file: lib/sandbox/kafkajs-bundle.ts).
      [runtime.kafkajsShimDir, `${SANDBOX_DIR}/node_modules/kafkajs`],
      [runtime.kafkajsDir, `${SANDBOX_DIR}/node_modules/kafkajs-real`],
      [runtime.relayPreload, RELAY_PRELOAD],
      [runtime.warmBoot, WARM_BOOT],
    ],
    writable: [[dirs.tmp, '/tmp']],
    env,
    cwd: SANDBOX_DIR,
    argv: [
      SANDBOX_NODE,
      ...(input.nodePermissions === false ? [] : permissions),
      ...relay,
      '--enable-source-maps',
      ...heapFlag(input),
      input.entry === WARM_BOOT ? WARM_BOOT : `${SANDBOX_DIR}/${input.entry}`,
    ],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
