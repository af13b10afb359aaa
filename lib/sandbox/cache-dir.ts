import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The sandbox runtime's cache folder (`/var/cache/cauce-sandbox` by default): copies and builds
 * the sandbox uids must read (node, kafkajs, the shim, the relay), each named by what it holds
 * and renamed into place when complete. These are its few file helpers, shared by the runtime
 * (lib/sandbox/runtime.ts) and the kafkajs bundle (lib/sandbox/kafkajs-bundle.ts).
 */

/** Creates the cache folder if needed, traversable by every uid (mkdir's mode is cut by the umask). */
export async function openCacheDir(cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  await chmod(cacheDir, 0o755);
}

/** Makes `p` (recursively) readable by every uid: folders and executables 0755, other files 0644. */
export async function chmodReadable(p: string): Promise<void> {
  const info = await stat(p);
  await chmod(p, info.isDirectory() || info.mode & 0o100 ? 0o755 : 0o644);
  if (info.isDirectory()) {
    for (const entry of await readdir(p)) await chmodReadable(path.join(p, entry));
  }
}

/** 12 hex digits of the SHA-256 of `seed` (when given) and then of each file of `dir` (names and contents, by name). */
export async function contentHash(dir: string, seed?: string): Promise<string> {
  const hash = createHash('sha256');
  if (seed !== undefined) hash.update(seed);
  for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
  return hash.digest('hex').slice(0, 12);
}

export async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
