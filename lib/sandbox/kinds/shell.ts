import { lstat, mkdir, readlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SandboxSpec } from '../command';
import { shellProcessLimits, type SandboxLimits } from '@/lib/limits';
import type { SlotNetwork } from '../network';
import type { SandboxRuntime } from '../runtime';
import { SANDBOX_DIR } from '../stack';
import type { RunDirs } from '../workdir';
import { checkProgramEnv } from './node';

/**
 * What a shell run may use beyond bash and the system's tools: the seam for the Hadoop client
 * (`hdfs`, `yarn`, `mapred`), which brings its install read-only, its bin folder on the PATH,
 * its variables, and the lab's NameNode/ResourceManager as relayed endpoints (those go to the
 * run's `endpoints`, like Kafka's brokers). Nothing here is the student's to choose.
 */
export interface ShellTools {
  /** `[host, inside]` folders bound read-only, e.g. `['/…/.lab/hadoop/dist', '/opt/hadoop']`. @default [] */
  readOnly?: readonly (readonly [string, string])[];
  /** Inside folders put before the system's on the PATH, e.g. `['/opt/hadoop/bin']`. @default [] */
  path?: readonly string[];
  /** Variables the tools read (HADOOP_CONF_DIR, JAVA_HOME…); the same names are refused as for node. @default {} */
  env?: Readonly<Record<string, string>>;
  /** RLIMIT_AS of each process when a tool needs more than bash (a JVM: lib/limits.ts SHELL_HADOOP_ADDRESS_SPACE_MB). @default SHELL_ADDRESS_SPACE_MB */
  addressSpaceMb?: number;
}

export interface ShellSpecInput {
  uid: number;
  limits: SandboxLimits;
  /** `nodePath` and `relayPreload` are needed only when the run has relayed endpoints. */
  runtime: Pick<SandboxRuntime, 'systemArgs'> & Partial<Pick<SandboxRuntime, 'nodePath' | 'relayPreload'>>;
  dirs: RunDirs;
  /** The student's entry file (as named on its tab), run as `bash /sandbox/<entry>`. */
  entry: string;
  /** Host files of the slot's user (see {@link shellIdentity}): ssh and `id` need a passwd entry. */
  identity: ShellIdentity;
  network: SlotNetwork;
  cgroupProcs: readonly string[];
  /** @default {} */
  tools?: ShellTools;
  /**
   * The program instead of the student's entry: the server's probe, run after it in the same
   * slot and /tmp. @default bash running the entry
   */
  argv?: readonly string[];
}

const RELAY_NODE = '/opt/cauce/node';
const RELAY_PRELOAD = '/opt/cauce/relay.mjs';
/** The parent that keeps relay.mjs's listeners up: runs argv, passes signals on, ends as it ended. */
const RELAY_PARENT = [
  "const child = require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' });",
  "for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));",
  "child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));",
].join('\n');

/** The student's name inside: what `whoami`, `id` and ssh's `user@host` show. */
export const SHELL_USER = 'alumno';
/** The system's tools: every command a node's admin would type (setuid bits are inert: no_new_privs, a user namespace). */
const SYSTEM_PATH = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** The slot's /etc/passwd and /etc/group, generated once per uid in the runtime's cache folder. */
export interface ShellIdentity {
  passwd: string;
  group: string;
}

/** Writes (once per process and uid) the passwd and group files naming the slot's uid {@link SHELL_USER}, home /tmp. */
export async function shellIdentity(uid: number, cacheDir = '/var/cache/cauce-sandbox'): Promise<ShellIdentity> {
  const known = identities.get(uid);
  if (known) return known;
  const dir = path.join(cacheDir, 'etc');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const identity = { passwd: path.join(dir, `passwd-${uid}`), group: path.join(dir, `group-${uid}`) };
  await writeFile(
    identity.passwd,
    `root:x:0:0:root:/root:/usr/sbin/nologin\n${SHELL_USER}:x:${uid}:${uid}:Alumno de Cauce:/tmp:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    { mode: 0o644 },
  );
  await writeFile(identity.group, `root:x:0:\n${SHELL_USER}:x:${uid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  identities.set(uid, identity);
  return identity;
}
const identities = new Map<number, ShellIdentity>();

/**
 * /usr/bin and /usr/sbin read-only, /bin and /sbin as the host has them (merged-/usr symlinks
 * or folders), time zones for `date`, Debian's alternatives links; never /etc as a whole (only the files listed here), /home,
 * /root, /var, the repository or the lab's state. Resolved once per process.
 */
export function shellSystemArgs(): Promise<string[]> {
  systemArgs ??= (async () => {
    const args: string[] = [];
    for (const dir of ['/usr/bin', '/usr/sbin']) if (existsSync(/*turbopackIgnore: true*/ dir)) args.push('--ro-bind', dir, dir);
    for (const top of ['/bin', '/sbin']) {
      const info = await lstat(top).catch(() => null);
      if (info?.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
      else if (info?.isDirectory()) args.push('--ro-bind', top, top);
    }
    if (existsSync('/usr/share/zoneinfo')) args.push('--ro-bind', '/usr/share/zoneinfo', '/usr/share/zoneinfo');
    // Debian's alternatives: /usr/bin/awk, editor, pager… are links through /etc/alternatives
    // (only links to binaries already bound), so without it `awk` is «command not found».
    if (existsSync('/etc/alternatives')) args.push('--ro-bind', '/etc/alternatives', '/etc/alternatives');
    const localtime = await readlink('/etc/localtime').catch(() => undefined);
    if (localtime) args.push('--symlink', localtime, '/etc/localtime');
    return args;
  })();
  return systemArgs;
}
let systemArgs: Promise<string[]> | undefined;

/**
 * The shell kind: bash running the student's script from the read-only /sandbox, with the
 * system's tools, in a private /tmp that is also its home (ssh-keygen writes ~/.ssh there) and
 * its working folder. The student's other files are beside the entry in /sandbox.
 */
export function shellSandboxSpec(input: ShellSpecInput, shellArgs: readonly string[]): SandboxSpec {
  const tools = input.tools ?? {};
  const env: Record<string, string> = {
    ...checkProgramEnv(tools.env ?? {}),
    HOME: '/tmp',
    PATH: [...(tools.path ?? []), ...SYSTEM_PATH].join(':'),
    // The C locale's messages: the run's error lines are recognised in them (lib/runs/shell/errors.ts).
    LANG: 'C.UTF-8',
    USER: SHELL_USER,
    LOGNAME: SHELL_USER,
    SHELL: '/bin/bash',
    TERM: 'dumb',
  };
  const argv = input.argv ?? ['/bin/bash', '--norc', '--noprofile', `${SANDBOX_DIR}/${input.entry}`];
  const relayed = input.network.routes.length > 0;
  if (relayed && (!input.runtime.nodePath || !input.runtime.relayPreload)) throw new Error('a shell run with relayed endpoints needs node and the relay preload');
  return {
    uid: input.uid,
    rlimits: shellProcessLimits(input.limits, tools.addressSpaceMb),
    systemArgs: [...input.runtime.systemArgs, ...shellArgs, '--ro-bind', input.identity.passwd, '/etc/passwd', '--ro-bind', input.identity.group, '/etc/group'],
    readOnly: [
      [input.dirs.src, SANDBOX_DIR],
      ...(tools.readOnly ?? []),
      ...(relayed
        ? ([
            [input.runtime.nodePath!, RELAY_NODE],
            [input.runtime.relayPreload!, RELAY_PRELOAD],
          ] as const)
        : []),
    ],
    writable: [[input.dirs.tmp, '/tmp']],
    env,
    cwd: '/tmp',
    // bash cannot listen: with relayed endpoints a small node parent holds the in-namespace
    // listeners (relay.mjs) for as long as the script runs, and exits with its status.
    argv: relayed ? [RELAY_NODE, '--import', RELAY_PRELOAD, '-e', RELAY_PARENT, ...argv] : argv,
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
