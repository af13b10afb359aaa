import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CompiledFile } from './transpile';

const run = promisify(execFile);

/** Host folders of one run: `src` is bound read-only at /sandbox, `tmp` writable at /tmp. */
export interface RunDirs {
  src: string;
  tmp: string;
}

export interface WorkdirOptions {
  /** Parent of the per-slot folders. @default '/run/cauce-sandbox' */
  root?: string;
  /** Label of the tmpfs mounts (shows in `mount`). @default 'cauce-sandbox' */
  label?: string;
  /**
   * Size of each slot's tmpfs in MB (run files + the program's /tmp). bwrap 0.8 (Debian 12)
   * has no `--size` for `--tmpfs`, and an unbounded tmpfs lets a loop of writes fill the
   * host's RAM, so each slot folder is its own size-capped tmpfs, mounted once. @default 32
   */
  tmpfsMb?: number;
}

/**
 * Per-slot scratch space. Mounting happens once per slot and process; each run only writes
 * its files and removes them afterwards, which keeps start-up free of extra processes.
 */
export class SlotWorkdirs {
  private readonly root: string;
  private readonly tmpfsMb: number;
  private readonly label: string;
  private readonly mounted = new Map<number, Promise<void>>();

  constructor(options: WorkdirOptions = {}) {
    this.root = options.root ?? '/run/cauce-sandbox';
    this.tmpfsMb = options.tmpfsMb ?? 32;
    this.label = options.label ?? 'cauce-sandbox';
  }

  /**
   * Writes a run's files (read-only at /sandbox) in `slot`, creates the mount points its kind
   * binds over inside that read-only folder, and returns its folders with an empty /tmp.
   */
  async prepare(slot: { uid: number }, files: readonly Pick<CompiledFile, 'name' | 'js'>[] = [], mountPoints: readonly string[] = []): Promise<RunDirs> {
    // Keyed by uid, not slot index: the uid lock is what guarantees one run per folder.
    const base = path.join(this.root, `uid-${slot.uid}`);
    let mount = this.mounted.get(slot.uid);
    if (!mount) {
      mount = this.mountTmpfs(base);
      this.mounted.set(slot.uid, mount);
    }
    await mount;
    const dirs = { src: path.join(base, 'src'), tmp: path.join(base, 'tmp') };
    await this.clean(dirs); // leftovers of a server that died mid-run
    await mkdir(dirs.src, { mode: 0o755 });
    for (const point of mountPoints) await mkdir(path.join(dirs.src, point), { recursive: true, mode: 0o755 });
    await this.writeFiles(dirs, files);
    await mkdir(dirs.tmp, { mode: 0o700 });
    await chown(dirs.tmp, slot.uid, slot.uid);
    return dirs;
  }

  /** Writes a run's files into its /sandbox (also into a warm sandbox's, where they appear at once). */
  async writeFiles(dirs: RunDirs, files: readonly Pick<CompiledFile, 'name' | 'js'>[]): Promise<void> {
    await Promise.all(files.map((f) => writeFile(path.join(dirs.src, f.name), f.js, { mode: 0o644 })));
  }

  /** Removes everything a run left, including what the program wrote to /tmp. */
  async clean(dirs: RunDirs): Promise<void> {
    await Promise.all([rm(dirs.src, { recursive: true, force: true }), rm(dirs.tmp, { recursive: true, force: true })]);
  }

  private async mountTmpfs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(this.root, 0o755);
    if (await isMountPoint(dir)) return;
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${this.tmpfsMb}m,mode=0755,nosuid,nodev,noexec`, this.label, dir]);
    } catch (error) {
      // Without CAP_SYS_ADMIN (a developer's laptop) runs still work; only /tmp is unbounded.
      console.warn(`[sandbox] could not mount a tmpfs at ${dir}; /tmp of runs is not size-capped`, error);
    }
  }
}

async function isMountPoint(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === dir);
}
