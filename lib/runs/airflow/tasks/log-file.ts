import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The one file a task try may write outside its /tmp: its log, where the api-server reads it.
 * The launcher is root and the logs folder belongs to the Airflow uid, whose dag-processor
 * parses student files: a planted symlink must never make root chown something else. So
 * every change goes through a descriptor opened without following links, whose path the
 * kernel then confirms (/proc/self/fd), and only regular files with one link are handed over.
 */
export async function prepareLogFile(logsDir: string, logFile: string, airflowUid: number | undefined): Promise<void> {
  // Folders as Airflow makes them (0775, the Airflow uid's), one level at a time.
  const relative = path.relative(logsDir, path.dirname(logFile)).split(path.sep);
  let dir = logsDir;
  for (const part of relative) {
    dir = path.join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (info && !info.isDirectory()) throw new Error(`${dir} is not a folder`);
    if (!info) await mkdir(dir, { mode: 0o775 }).catch((error: NodeJS.ErrnoException) => ensure(error.code === 'EEXIST', error));
    await withVerified(dir, constants.O_RDONLY | constants.O_DIRECTORY, async (handle) => {
      if (airflowUid !== undefined && !info) await handle.chown(airflowUid, airflowUid);
      if (!info) await handle.chmod(0o775);
    });
  }
  // Created by us if missing (a retry or a resumed try appends to the same file).
  await withVerified(logFile, constants.O_WRONLY | constants.O_CREAT, async (handle) => {
    await handle.chmod(0o664); // the api-server (Airflow uid) reads it while the task writes
  });
}

/** Hands the log file to `uid` (the sandbox while it runs, the Airflow uid afterwards). */
export async function chownLogFile(logFile: string, uid: number): Promise<void> {
  await withVerified(logFile, constants.O_RDONLY, (handle) => handle.chown(uid, uid));
}

async function withVerified(target: string, flags: number, task: (handle: FileHandle) => Promise<void>): Promise<void> {
  const handle = await open(target, flags | constants.O_NOFOLLOW, 0o664); // libuv adds O_CLOEXEC;
  try {
    // The path the kernel resolved: a symlinked folder on the way shows up as another path.
    const resolved = await readlink(`/proc/self/fd/${handle.fd}`);
    if (resolved !== target) throw new Error(`${target} resolves to ${resolved}`);
    const info = await handle.stat();
    if (!info.isDirectory() && (!info.isFile() || info.nlink !== 1)) throw new Error(`${target} is not a plain file`);
    await task(handle);
  } finally {
    await handle.close();
  }
}

function ensure(condition: boolean, error: Error): void {
  if (!condition) throw error;
}
