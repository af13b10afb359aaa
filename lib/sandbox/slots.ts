import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';

/** uid of slot 0; slot n runs as FIRST_SANDBOX_UID + n (uid and gid). */
export const FIRST_SANDBOX_UID = 61_000;

export interface UidSlot {
  index: number;
  uid: number;
  /** Releases the slot after its processes are gone. Idempotent. */
  release(): Promise<void>;
}

/**
 * Hands out one uid per concurrent run. RLIMIT_NPROC counts per uid machine-wide, so two runs
 * sharing a uid would share (and could exhaust) one process budget, and reaping one would
 * kill the other.
 *
 * The lock is an abstract unix socket per slot: the kernel frees it when the owning process
 * dies, so a crashed server never leaves a slot stuck, and separate processes (dev server,
 * test workers) never hand out the same uid.
 */
export class UidSlots {
  constructor(
    /** How many runs may execute at once. @default 4 */
    readonly size = 4,
    /** uid of the first slot. @default FIRST_SANDBOX_UID (61000) */
    readonly firstUid = FIRST_SANDBOX_UID,
  ) {}

  /** Claims a free slot, or returns null when every slot is busy. */
  async acquire(): Promise<UidSlot | null> {
    for (let index = 0; index < this.size; index++) {
      const uid = this.firstUid + index;
      const lock = await tryListen(`\0cauce-sandbox-uid-${uid}`);
      if (!lock) continue;
      // A previous owner that died abruptly may have left processes behind.
      await reapUid(uid);
      let released = false;
      return {
        index,
        uid,
        release: async () => {
          if (released) return;
          released = true;
          await reapUid(uid);
          await new Promise<void>((resolve) => lock.close(() => resolve()));
        },
      };
    }
    return null;
  }
}

function tryListen(path: string): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({ path }, () => {
      server.unref(); // a held slot must not keep the server process alive
      resolve(server);
    });
  });
}

/**
 * SIGKILLs every process whose real uid is `uid` and waits until none is left. Normally there
 * is none: killing bwrap tears down the sandbox's pid namespace. This is the second belt.
 */
export async function reapUid(uid: number, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await pidsOfUid(uid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (Date.now() > deadline) throw new Error(`uid ${uid} still has processes: ${pids.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function pidsOfUid(uid: number): Promise<number[]> {
  const entries = await readdir('/proc');
  const pids: number[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      // "Uid:\treal\teffective\tsaved\tfs"; zombies already dead still list here until reaped
      const match = /^Uid:\s+(\d+)/m.exec(status);
      const state = /^State:\s+(\w)/m.exec(status)?.[1];
      if (match && Number(match[1]) === uid && state !== 'Z') pids.push(Number(entry));
    }),
  );
  return pids;
}
