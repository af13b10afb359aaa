import type { SandboxLimits } from './limits';
import { ADDRESS_SPACE_HEADROOM_MB } from './limits';
import type { SandboxRuntime } from './runtime';
import { SANDBOX_NODE } from './runtime';
import { SANDBOX_DIR } from './stack';
import type { RunDirs } from './workdir';

export interface SandboxCommandInput {
  uid: number;
  limits: SandboxLimits;
  runtime: SandboxRuntime;
  dirs: RunDirs;
  /** Variables the program may see (e.g. KAFKA_BROKERS); nothing else is inherited. */
  env: Readonly<Record<string, string>>;
  /** Emitted entry file name, e.g. `producer.mjs`. */
  entry: string;
  /** Adds node's permission model as a second layer. @default true */
  nodePermissions?: boolean;
}

const MB = 1024 * 1024;
// Variables that would change how node or the loader behave are set by us, as argv, or not at all.
const RESERVED_ENV = /^(NODE_|LD_|HOME$|PATH$|TMPDIR$|UV_)/;

/**
 * The whole command as one exec chain, no shell: setpriv drops to the slot's uid, prlimit sets
 * the rlimits (they survive exec and apply inside bwrap), bwrap builds the minimal filesystem
 * and namespaces, node runs the entry.
 */
export function buildSandboxCommand(input: SandboxCommandInput): { file: string; args: string[] } {
  const { uid, limits, runtime, dirs } = input;
  const setpriv = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--no-new-privs'];
  const prlimit = [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${(limits.memoryMb + ADDRESS_SPACE_HEADROOM_MB) * MB}`,
    `--nproc=${limits.processes}`,
    `--nofile=${limits.openFiles}`,
    `--fsize=${limits.fileSizeMb * MB}`,
    '--core=0', // SIGXCPU/SIGABRT would otherwise hand a core dump to the host's core_pattern
  ];
  const bwrap = [
    '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    // No --unshare-net: the brokers listen on the host's loopback.
    '--hostname', 'sandbox',
    '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv',
    ...runtime.systemArgs,
    '--ro-bind', runtime.nodePath, SANDBOX_NODE,
    '--ro-bind', dirs.src, SANDBOX_DIR,
    // Students import 'kafkajs' and get the watching shim, which requires the real package.
    '--ro-bind', runtime.kafkajsShimDir, `${SANDBOX_DIR}/node_modules/kafkajs`,
    '--ro-bind', runtime.kafkajsDir, `${SANDBOX_DIR}/node_modules/kafkajs-real`,
    '--bind', dirs.tmp, '/tmp',
    '--proc', '/proc',
    '--dev', '/dev',
    // bwrap's root is a tmpfs writable by the sandbox uid: left so, /x or /usr/x would be
    // unbounded RAM. Everything is mounted by now, so freeze it; /tmp stays its own mount.
    '--remount-ro', '/',
    '--remount-ro', '/dev', // same for /dev (and /dev/shm); writing to /dev/null still works
    '--chdir', SANDBOX_DIR,
    '--setenv', 'HOME', '/tmp',
    '--setenv', 'PATH', '/usr/bin',
    ...Object.entries(input.env).flatMap(([key, value]) => {
      if (!/^[A-Z][A-Z0-9_]*$/.test(key) || RESERVED_ENV.test(key)) throw new RangeError(`env ${key} is not allowed`);
      return ['--setenv', key, value];
    }),
  ];
  // Second layer, not the boundary: refuses child_process, workers, and fs outside these paths,
  // with an error that names what was refused (so the student gets a clear message).
  const permissions = [
    runtime.nodeMajor >= 22 ? '--permission' : '--experimental-permission',
    `--allow-fs-read=${SANDBOX_DIR}/*`,
    '--allow-fs-read=/tmp/*',
    '--allow-fs-write=/tmp/*',
    '--disable-warning=ExperimentalWarning',
  ];
  const node = [
    ...(input.nodePermissions === false ? [] : permissions),
    '--enable-source-maps',
    `--max-old-space-size=${limits.memoryMb}`,
    `${SANDBOX_DIR}/${input.entry}`,
  ];
  return {
    file: '/usr/bin/setpriv',
    args: [...setpriv, '/usr/bin/prlimit', ...prlimit, '--', '/usr/bin/bwrap', ...bwrap, SANDBOX_NODE, ...node],
  };
}
