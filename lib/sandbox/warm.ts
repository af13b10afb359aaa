import { spawn, type ChildProcess } from 'node:child_process';
import { treeBudgetOf, type SandboxLimits } from '@/lib/limits';
import { runCgroup, type RunCgroup } from './cgroup';
import { buildSandboxCommand } from './command';
import type { SandboxHost } from './host';
import { nodeSandboxSpec, WARM_BOOT } from './kinds/node';
import type { UidSlot } from './slots';
import type { RunDirs } from './workdir';

/** bwrap needs these mount points inside the read-only /sandbox for the kafkajs shim and the real package. */
export const NODE_MOUNT_POINTS = ['node_modules/kafkajs', 'node_modules/kafkajs-real'];

/** A refill waits this long after a take, so a new sandbox's start-up does not slow the run just handed over. */
const REFILL_DELAY_MS = 300;
/** After giving a slot up to another server's run, the pool leaves free slots alone this long. */
const YIELD_QUIET_MS = 10_000;

/** A sandboxed node started ahead of a run: node up, kafkajs loaded, waiting for its code (warm/boot.mjs). */
export interface WarmSandbox {
  slot: UidSlot;
  dirs: RunDirs;
  cgroup: RunCgroup | null;
  child: ChildProcess;
  /** OOM kills counted in its cgroup before the run. */
  oomBefore: number;
  /** What it was started for: endpoints and the limits fixed at start (see {@link warmKey}). */
  key: string;
}

/**
 * What must match for a run to use a warm sandbox: everything fixed when node starts (its
 * network, rlimits, heap flag if any, cgroup budget). The wall clock and the output cap are the
 * host's, counted from the handover, so they may differ.
 */
export function warmKey(endpoints: readonly string[], limits: SandboxLimits): string {
  const { wallMs: _wall, outputBytes: _output, ...fixed } = limits;
  return JSON.stringify([[...new Set(endpoints)].sort(), fixed]);
}

/**
 * Keeps one warm kafka-ts sandbox per free slot, for the endpoints and limits of the last
 * run, so a click pays neither node's nor kafkajs's start-up. Each serves one run and is then
 * thrown away like a cold one (its processes killed, its folders removed): a run never sees
 * what an earlier one left. A run that finds none (another network, other limits, every slot
 * taken) starts cold; one that needs a slot held by an idle warm sandbox frees it first.
 */
export class WarmSandboxes {
  private readonly idle: WarmSandbox[] = [];
  private wanted: { endpoints: readonly string[]; limits: SandboxLimits; key: string } | undefined;
  private filling = 0;
  /** Sandboxes being started: each holds a slot it will hand to the pool (or back) soon. */
  private readonly starting = new Set<Promise<unknown>>();
  /** Sandboxes being thrown away by this pool (stale, yielded, dead): their slots come back soon. */
  private discarding = 0;
  private refill: NodeJS.Timeout | undefined;
  /** Runs looking for a sandbox or a slot right now: while any is, the pool starts nothing. */
  private claimers = 0;
  private closed = false;
  private quietUntil = 0;

  constructor(
    private readonly host: SandboxHost,
    /** How many to keep at most. @default every slot */
    private readonly size = host.slots.size,
  ) {}

  /** How many sandboxes are waiting for a run. */
  idleCount(): number {
    return this.idle.length;
  }

  /**
   * True while this pool holds a slot that is not running a student's program: a sandbox idle,
   * being started or being thrown away. A run that found no slot may then wait a moment.
   */
  holdsSlots(): boolean {
    return this.idle.length > 0 || this.starting.size > 0 || this.discarding > 0;
  }

  /**
   * Runs `claim` (a run looking for a sandbox or a slot) with the pool's refills held back:
   * under load a refill could take each slot a discard frees, a second run take each sandbox
   * it starts, and the first run find nothing until its wait ran out ("ocupado" with the
   * queue's own place in hand). While a run claims, freed slots are left for it.
   */
  async claiming<T>(claim: () => Promise<T>): Promise<T> {
    this.claimers += 1;
    try {
      return await claim();
    } finally {
      this.claimers -= 1;
      if (this.claimers === 0) this.scheduleFill();
    }
  }

  /** Hands over an idle sandbox started for this key, if there is one; a new one is prepared after. */
  take(endpoints: readonly string[], limits: SandboxLimits): WarmSandbox | undefined {
    const key = warmKey(endpoints, limits);
    this.wanted = { endpoints, limits, key };
    const index = this.idle.findIndex((warm) => warm.key === key && warm.child.exitCode === null);
    const [warm] = index >= 0 ? this.idle.splice(index, 1) : [];
    this.scheduleFill();
    return warm;
  }

  /**
   * For a run that found every slot taken: waits for the sandboxes being started (each holds a
   * slot for a moment), then hands over one that fits, or frees an idle one that does not so
   * the run can start cold. Undefined when the run should claim a slot itself.
   */
  async forRunWithoutSlot(endpoints: readonly string[], limits: SandboxLimits): Promise<WarmSandbox | undefined> {
    while (this.starting.size > 0) await Promise.race(this.starting).catch(() => undefined);
    const key = warmKey(endpoints, limits);
    const index = this.idle.findIndex((warm) => warm.key === key && warm.child.exitCode === null);
    if (index >= 0) {
      const [warm] = this.idle.splice(index, 1);
      this.scheduleFill();
      return warm;
    }
    await this.releaseOne();
    return undefined;
  }

  /** Gives back the slot of one idle sandbox (a cold run needs it); false if none is idle. */
  async releaseOne(): Promise<boolean> {
    const warm = this.idle.shift();
    if (!warm) return false;
    await this.drop(warm);
    return true;
  }

  /** Discards one of the pool's own sandboxes, counted so {@link holdsSlots} knows its slot is coming back. */
  private async drop(warm: WarmSandbox): Promise<void> {
    this.discarding += 1;
    try {
      await discard(warm, this.host);
    } finally {
      this.discarding -= 1;
    }
  }

  /** Starts sandboxes for the wanted key in free slots, after the current runs had their moment. */
  scheduleFill(delayMs = REFILL_DELAY_MS): void {
    if (this.closed || this.refill || !this.wanted) return;
    this.refill = setTimeout(() => {
      this.refill = undefined;
      void this.fill();
    }, delayMs);
    this.refill.unref();
  }

  /** Stops every idle sandbox (tests, shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refill);
    await Promise.all(this.idle.splice(0).map((warm) => this.drop(warm)));
  }

  private async fill(): Promise<void> {
    const wanted = this.wanted;
    if (!wanted) return;
    if (Date.now() < this.quietUntil) return this.scheduleFill(this.quietUntil - Date.now());
    // Sandboxes for an older key hold slots the new key could use.
    for (const stale of this.idle.filter((warm) => warm.key !== wanted.key || warm.child.exitCode !== null)) {
      this.idle.splice(this.idle.indexOf(stale), 1);
      await this.drop(stale);
    }
    // Only while this key is still the one wanted: a run that asked for another key meanwhile
    // would see each new sandbox thrown away and this loop start the next one forever.
    while (!this.closed && this.claimers === 0 && this.wanted?.key === wanted.key && this.idle.length + this.filling < this.size) {
      this.filling += 1;
      // The sandbox is idle (or discarded) before this promise settles and leaves the set: a run
      // waiting on the set then always finds it, never a moment where it is in neither.
      const starting: Promise<WarmSandbox | undefined> = this.start(wanted.endpoints, wanted.limits, wanted.key)
        .then(async (warm) => {
          if (!warm) return undefined;
          if (!this.closed && warm.key === this.wanted?.key) {
            this.idle.push(warm);
            return warm;
          }
          await this.drop(warm);
          this.scheduleFill(); // for the key wanted now
          return undefined;
        })
        .finally(() => {
          this.filling -= 1;
          this.starting.delete(starting);
        });
      this.starting.add(starting);
      try {
        if (!(await starting)) return; // every slot is running something, or the wanted key changed
      } catch (error) {
        console.error('[sandbox] could not start a warm sandbox', error);
        return;
      }
    }
  }

  private async start(endpoints: readonly string[], limits: SandboxLimits, key: string): Promise<WarmSandbox | undefined> {
    const slot = await this.host.slots.acquire();
    if (!slot) return undefined;
    try {
      const runtime = await this.host.runtime();
      const dirs = await this.host.workdirs.prepare(slot, [], NODE_MOUNT_POINTS);
      const [network, cgroup] = await Promise.all([this.host.relays.forSlot(slot.uid, endpoints), runCgroup(slot.uid, treeBudgetOf(limits))]);
      const command = buildSandboxCommand(
        nodeSandboxSpec({
          uid: slot.uid,
          limits,
          runtime,
          dirs,
          env: {},
          entry: WARM_BOOT,
          network,
          cgroupProcs: cgroup?.procs ?? [],
          nodePermissions: this.host.nodePermissions,
        }),
      );
      const child = spawnSandbox(command);
      const warm: WarmSandbox = { slot, dirs, cgroup, child, oomBefore: (await cgroup?.oomKills()) ?? 0, key };
      // A run (of this server or another on the machine) found every slot taken: an idle one yields.
      slot.onAsked(() => {
        const index = this.idle.indexOf(warm);
        if (index < 0) return false; // running a student's program: not ours to give
        this.idle.splice(index, 1);
        this.quietUntil = Date.now() + YIELD_QUIET_MS;
        void this.drop(warm);
        return true;
      });
      // One that dies while idle (killed from outside, a broken runtime) is dropped and replaced.
      child.once('exit', () => {
        const index = this.idle.indexOf(warm);
        if (index < 0) return;
        this.idle.splice(index, 1);
        void this.drop(warm).then(() => this.scheduleFill(1_000));
      });
      return warm;
    } catch (error) {
      await slot.release().catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Starts a sandbox's exec chain. env {} on purpose: bwrap's pid 1 keeps this environment,
 * readable at /proc/1/environ. stdin is a pipe so "Detener" can close it (the kafkajs shim
 * then leaves consumer groups cleanly) and, for a warm sandbox, to hand over the run.
 */
export function spawnSandbox(command: { file: string; args: string[] }): ChildProcess {
  const child = spawn(command.file, command.args, { env: {} as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  child.stdin!.on('error', () => undefined); // EPIPE when the program has already exited
  return child;
}

/** Kills a sandbox's whole process group and gives its folders and slot back. */
export async function discard(warm: Pick<WarmSandbox, 'child' | 'dirs' | 'slot'>, host: SandboxHost): Promise<void> {
  try {
    process.kill(-(warm.child.pid ?? 0), 'SIGKILL');
  } catch {
    // already gone
  }
  await host.workdirs.clean(warm.dirs).catch(() => undefined);
  await warm.slot.release().catch((error: unknown) => console.error('[sandbox] slot release failed', error));
}
