import type { ProcessLimits } from '@/lib/limits';
import { RELAY_DIR, type SlotNetwork } from './network';

/**
 * Everything a sandbox is, for any kind (kafka-ts's node, the DAG worker's Python, later
 * kinds): the kind decides what to bind and what to run; this file decides how it is
 * contained, so each protection is written once.
 */
export interface SandboxSpec {
  /** The slot's unprivileged uid (and gid). */
  uid: number;
  rlimits: ProcessLimits;
  /** `[host, inside]` pairs bound read-only, after the system's libraries. */
  readOnly: readonly (readonly [string, string])[];
  /** `[host, inside]` pairs bound writable (the slot's /tmp). */
  writable: readonly (readonly [string, string])[];
  /**
   * Bound after `writable`, in order, so they may lie inside it: an Airflow task's DAG folder
   * and log file keep their real paths, which can be under /tmp. @default []
   */
  nested?: readonly { host: string; inside: string; writable: boolean }[];
  /** bwrap arguments for shared libraries and /etc files (from the runtime). */
  systemArgs: readonly string[];
  /** The program's whole environment; nothing is inherited. */
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Program and arguments, as paths inside the sandbox. */
  argv: readonly string[];
  /** Endpoints relayed into the run's own network namespace, and its /etc/hosts. */
  network: SlotNetwork;
  /** `cgroup.procs` files joined before anything of the run starts; empty without cgroups. */
  cgroupProcs: readonly string[];
  /**
   * The program is pid 1 of the sandbox (bwrap --as-pid-1), with no bwrap init beside it.
   * bwrap's init is dumpable and holds the launcher's pipes, so any process of the sandbox
   * could ptrace it and write there; a kind whose program is trusted and non-dumpable (the
   * DAG worker) asks for this so that nothing student code can reach holds its channel.
   * @default false
   */
  asPid1?: boolean;
}

const MB = 1024 * 1024;

/**
 * Runs first, as root, with nothing of the student's yet: joins the run's cgroups (so every
 * process the run ever makes is inside its budget: nothing can fork before this), closes
 * every inherited descriptor above 2 (a launcher's pipes would otherwise reach student code),
 * then execs the chain. bash, because dash cannot close descriptors above 9.
 */
const PRELUDE = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done',
  // No redirection on the loop: bash would park stderr on a high descriptor that the loop closes.
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ] && [ -e "/proc/$$/fd/$fd" ]; then eval "exec $fd>&-"; fi; done',
  'exec "$@"',
].join('\n');

/**
 * One exec chain, no shell of the student's: the prelude (cgroups, descriptors), setpriv
 * drops to the slot's uid, prlimit sets the rlimits (they survive exec and apply inside
 * bwrap), bwrap builds the namespaces (user, pid, ipc, uts, cgroup and network) and the
 * minimal read-only filesystem, then the kind's program runs.
 */
export function buildSandboxCommand(spec: SandboxSpec): { file: string; args: string[] } {
  const { uid, rlimits, network } = spec;
  const setpriv = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--no-new-privs'];
  const prlimit = [
    `--cpu=${rlimits.cpuSeconds}:${rlimits.cpuSeconds + 1}`,
    `--as=${rlimits.addressSpaceMb * MB}`,
    `--nproc=${rlimits.processes}`,
    `--nofile=${rlimits.openFiles}`,
    `--fsize=${rlimits.fileSizeMb * MB}`,
    '--core=0', // SIGXCPU/SIGABRT would otherwise hand a core dump to the host's core_pattern
    // No POSIX message queue can be created: one would outlive its process inside a sandbox
    // that serves several runs (the DAG zygote), and no kind needs one.
    '--msgqueue=0',
  ];
  const relays = network.relayDir ? ['--ro-bind', network.relayDir, RELAY_DIR, '--setenv', 'CAUCE_RELAYS', JSON.stringify(network.routes)] : [];
  const bwrap = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--unshare-net',
    ...(spec.asPid1 ? ['--as-pid-1'] : []),
    '--hostname',
    'sandbox',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--clearenv',
    ...spec.systemArgs,
    '--ro-bind',
    network.hostsFile,
    '/etc/hosts',
    ...spec.readOnly.flatMap(([host, inside]) => ['--ro-bind', host, inside]),
    ...spec.writable.flatMap(([host, inside]) => ['--bind', host, inside]),
    ...(spec.nested ?? []).flatMap(({ host, inside, writable }) => [writable ? '--bind' : '--ro-bind', host, inside]),
    ...relays,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // bwrap's root is a tmpfs writable by the sandbox uid: left so, /x or /usr/x would be
    // unbounded RAM. Everything is mounted by now, so freeze it; /tmp stays its own mount.
    '--remount-ro',
    '/',
    '--remount-ro',
    '/dev', // same for /dev (and /dev/shm); writing to /dev/null still works
    '--chdir',
    spec.cwd,
    ...Object.entries(spec.env).flatMap(([key, value]) => ['--setenv', key, value]),
  ];
  return {
    file: '/bin/bash',
    args: [
      '--norc',
      '--noprofile',
      '-c',
      PRELUDE,
      'cauce-sandbox',
      String(spec.cgroupProcs.length),
      ...spec.cgroupProcs,
      '/usr/bin/setpriv',
      ...setpriv,
      '/usr/bin/prlimit',
      ...prlimit,
      '--',
      '/usr/bin/bwrap',
      ...bwrap,
      ...spec.argv,
    ],
  };
}
