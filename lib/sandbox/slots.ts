import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { SANDBOX_UIDS } from './uids';

/** uid of slot 0; slot n runs as FIRST_SANDBOX_UID + n (uid and gid). */
export const FIRST_SANDBOX_UID = SANDBOX_UIDS.kafkaTs;

export interface UidSlot {
  index: number;
  uid: number;
  /** Releases the slot after its processes are gone. Idempotent. */
  release(): Promise<void>;
  /**
   * What to do when a run of any server on this machine asks for this slot (see
   * {@link UidSlots.acquire} with `askIdle`): a warm sandbox that is only waiting gives it up
   * and answers true; a slot running something answers false (the default).
   */
  onAsked(handler: () => boolean): void;
}

/** How long a run that asked idle holders for a slot waits for one to be given up. */
const ASKED_WAIT_MS = 1_500;

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
  private next = 0;

  constructor(
    /** How many runs may execute at once. @default 4 */
    readonly size = 4,
    /** uid of the first slot. @default FIRST_SANDBOX_UID (61000) */
    readonly firstUid: number = FIRST_SANDBOX_UID,
  ) {}

  /**
   * Claims a free slot, or returns null when every slot is busy. With `askIdle` (a run, not a
   * warm sandbox being prepared), a full house first asks every holder, in this process or
   * another server's on the same machine, to give up a slot it only keeps warm, and waits
   * briefly for one: otherwise two servers on one machine would starve each other.
   */
  async acquire(options: { askIdle?: boolean } = {}): Promise<UidSlot | null> {
    const slot = await this.tryEach();
    if (slot || !options.askIdle) return slot;
    const asked = await Promise.all(Array.from({ length: this.size }, (_, index) => knock(lockPath(this.firstUid + index))));
    if (!asked.some(Boolean)) return null;
    const deadline = Date.now() + ASKED_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const freed = await this.tryEach();
      if (freed) return freed;
    }
    return null;
  }

  private async tryEach(): Promise<UidSlot | null> {
    // Round-robin: the sandbox's pid-1 bwrap outlives the run as a zombie until the host's init
    // reaps it (about 1 s in a container whose init reaps lazily), and zombies still count
    // against RLIMIT_NPROC. Rotating keeps back-to-back runs off the same uid.
    const start = this.next; // read once: concurrent acquires move `next` while we await
    for (let attempt = 0; attempt < this.size; attempt++) {
      const index = (start + attempt) % this.size;
      const uid = this.firstUid + index;
      const lock = await tryListen(lockPath(uid));
      if (!lock) continue;
      let asked: (() => boolean) | undefined;
      // A connection to the lock is a question, "will you give it up?": one byte answers it.
      lock.on('connection', (socket) => {
        socket.on('error', () => undefined);
        socket.end(asked?.() ? 'y' : 'n');
      });
      this.next = (index + 1) % this.size;
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
        onAsked: (handler) => {
          asked = handler;
        },
      };
    }
    return null;
  }
}

function lockPath(uid: number): string {
  return `\0cauce-sandbox-uid-${uid}`;
}

/** Asks a slot's holder to give it up; true if it will (an idle warm sandbox), false otherwise. */
function knock(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    socket.setTimeout(500, () => socket.destroy());
    socket.once('data', (answer: Buffer) => {
      socket.destroy();
      resolve(answer[0] === 0x79); // 'y'
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
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
    const pids = pidsOfUid(uid);
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

// Synchronous on purpose: procfs reads never block on a disk, and a few hundred small sync
// reads take ~1 ms where the same through the libuv pool took ~5 ms.
function pidsOfUid(uid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${entry}/status`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "Uid:\treal\teffective\tsaved\tfs". Zombies are already dead: they cannot be killed,
    // only reaped by their parent, so waiting for them would stall the slot.
    const match = /^Uid:\s+(\d+)/m.exec(status);
    if (match && Number(match[1]) === uid && !/^State:\s+Z/m.test(status)) pids.push(Number(entry));
  }
  return pids;
}
