import { access, chmod, copyFile, cp, lstat, mkdir, readlink, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chmodReadable, contentHash, exists, openCacheDir } from './cache-dir';
import { kafkajsBundle } from './kafkajs-bundle';

/** Where node appears inside the sandbox, whatever its host location. */
export const SANDBOX_NODE = '/usr/bin/node';

export interface RuntimeOptions {
  /** Node binary to run student code with. @default process.execPath */
  nodeBinary?: string;
  /** Host folder of the kafkajs package. @default `<cwd>/node_modules/kafkajs` */
  kafkajsDir?: string;
  /**
   * Mount kafkajs bundled into one file, which loads faster than the package's ~150 files
   * (lib/sandbox/kafkajs-bundle.ts); the package tree when false or when it cannot be built.
   * @default true
   */
  bundleKafkajs?: boolean;
  /**
   * The watching kafkajs shim mounted in its place (reports records to the output panel).
   * @default `<cwd>/lib/sandbox/kafkajs-shim`
   */
  kafkajsShimDir?: string;
  /**
   * Where copies of runtime files the sandbox uids cannot reach (e.g. node under /root/.nvm)
   * and the generated /etc files live. @default '/var/cache/cauce-sandbox'
   */
  cacheDir?: string;
}

/** Host paths the sandbox binds, resolved once per server process. */
export interface SandboxRuntime {
  nodePath: string;
  nodeMajor: number;
  /** The kafkajs mounted as kafkajs-real: the bundle's folder, or the package itself (see {@link RuntimeOptions.bundleKafkajs}). */
  kafkajsDir: string;
  kafkajsShimDir: string;
  /** The in-namespace relay preload (relay/relay.mjs), at a path the sandbox uids can read. */
  relayPreload: string;
  /** The program of a warm sandbox (warm/boot.mjs), at a path the sandbox uids can read. */
  warmBoot: string;
  /** bwrap arguments for shared libraries and the few /etc files name resolution reads. */
  systemArgs: string[];
}

export async function resolveRuntime(options: RuntimeOptions = {}): Promise<SandboxRuntime> {
  const cacheDir = options.cacheDir ?? '/var/cache/cauce-sandbox';
  // turbopackIgnore: host paths known only at run time; the bundler must not trace them.
  const node = await realpath(/*turbopackIgnore: true*/ options.nodeBinary ?? process.execPath);
  const kafkajs = await realpath(/*turbopackIgnore: true*/ options.kafkajsDir ?? path.join(process.cwd(), 'node_modules', 'kafkajs'));
  await access(path.join(kafkajs, 'package.json')).catch((cause: unknown) => {
    throw new Error(`kafkajs not found at ${kafkajs}`, { cause });
  });
  const nodePath = (await othersCanReach(node)) ? node : await cacheCopy(node, cacheDir, `node-${process.version}`, false);
  const bundle = options.bundleKafkajs === false ? undefined : await kafkajsBundle({ kafkajsDir: kafkajs, cacheDir, nodePath: node });
  const kafkajsDir = bundle ?? ((await othersCanReach(kafkajs)) ? kafkajs : await cacheCopy(kafkajs, cacheDir, 'kafkajs', true));
  const shim = await realpath(/*turbopackIgnore: true*/ options.kafkajsShimDir ?? path.join(process.cwd(), 'lib', 'sandbox', 'kafkajs-shim'));
  // The shim changes with the code, so a cached copy is named by its content.
  const kafkajsShimDir = (await othersCanReach(shim)) ? shim : await cacheCopy(shim, cacheDir, `kafkajs-shim-${await contentHash(shim)}`, true);
  const relay = await realpath(/*turbopackIgnore: true*/ path.join(process.cwd(), 'lib', 'sandbox', 'relay', 'relay.mjs'));
  const relayPreload = (await othersCanReach(relay)) ? relay : await cacheCopy(relay, cacheDir, `relay-${await contentHash(path.dirname(relay))}.mjs`, false);
  const boot = await realpath(/*turbopackIgnore: true*/ path.join(process.cwd(), 'lib', 'sandbox', 'warm', 'boot.mjs'));
  const warmBoot = (await othersCanReach(boot)) ? boot : await cacheCopy(boot, cacheDir, `warm-boot-${await contentHash(path.dirname(boot))}.mjs`, false);
  return {
    nodePath,
    nodeMajor: Number(process.versions.node.split('.')[0]),
    kafkajsDir,
    kafkajsShimDir,
    relayPreload,
    warmBoot,
    systemArgs: [...(await libraryArgs()), ...(await etcArgs(cacheDir))],
  };
}

/** True when a uid with no groups can traverse every parent and read (and enter) `target`. */
async function othersCanReach(target: string): Promise<boolean> {
  const info = await stat(target);
  if ((info.mode & 0o004) === 0 || (info.mode & 0o001) === 0) return false;
  return (await closedParent(target)) === undefined;
}

/** The first folder above `target` that other users may not pass through (`/root` is 0700), if any. */
export async function closedParent(target: string): Promise<string | undefined> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const info = await stat(dir).catch(() => undefined); // not created yet: its creator decides
    if (info && (info.mode & 0o001) === 0) return dir;
    if (dir === '/') return undefined;
  }
}

// One copy per node version; rename makes it appear complete or not at all.
async function cacheCopy(source: string, cacheDir: string, name: string, recursive: boolean): Promise<string> {
  await openCacheDir(cacheDir);
  const target = path.join(cacheDir, name);
  if (await exists(target)) return target;
  const partial = `${target}.partial-${process.pid}`;
  if (recursive) await cp(source, partial, { recursive: true });
  else await copyFile(source, partial);
  await chmodReadable(partial);
  await rename(partial, target);
  return target;
}

const TRIPLETS: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
};

/**
 * The dynamic loader and shared libraries node links against (libc, libstdc++, and for
 * distro builds libnode/ICU/OpenSSL), never the rest of /usr. Merged-/usr systems get the
 * /lib symlinks recreated rather than bound.
 */
async function libraryArgs(): Promise<string[]> {
  const args: string[] = [];
  const triplet = TRIPLETS[process.arch];
  const libDirs = triplet && (await exists(`/usr/lib/${triplet}`)) ? [`/usr/lib/${triplet}`] : ['/usr/lib'];
  for (const dir of [...libDirs, '/usr/lib64']) if (await exists(dir)) args.push('--ro-bind', dir, dir);
  for (const top of ['/lib', '/lib64']) {
    const info = await lstat(top).catch(() => null);
    if (info?.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
    else if (info?.isDirectory()) args.push('--ro-bind', top, top);
  }
  return args;
}

/**
 * Name resolution reads nsswitch.conf and /etc/hosts. The host's nsswitch.conf may name NSS
 * modules (mdns, systemd) that are not in the sandbox, so a minimal one is generated; hosts
 * comes per slot from the network (lib/sandbox/network.ts), and there is no resolv.conf: a
 * sandbox has no network to ask a DNS server on.
 */
async function etcArgs(cacheDir: string): Promise<string[]> {
  const etc = path.join(cacheDir, 'etc');
  await mkdir(etc, { recursive: true, mode: 0o755 });
  const nsswitch = path.join(etc, 'nsswitch.conf');
  await writeFile(nsswitch, 'hosts: files\n', { mode: 0o644 });
  await chmod(cacheDir, 0o755);
  return ['--ro-bind', nsswitch, '/etc/nsswitch.conf'];
}
