import path from 'node:path';
import { runCapacity } from '@/lib/env';
import { perProcess } from '@/lib/per-process';
import { NetworkRelays } from './network';
import { resolveRuntime, type RuntimeOptions, type SandboxRuntime } from './runtime';
import { UidSlots } from './slots';
import { WarmSandboxes } from './warm';
import { SlotWorkdirs, type WorkdirOptions } from './workdir';

export interface SandboxHostOptions extends RuntimeOptions, WorkdirOptions {
  /** Runs allowed at once (each gets its own uid). @default 4 */
  concurrency?: number;
  /** uid of the first slot; slot n runs as firstUid + n. @default 61000 */
  firstUid?: number;
  /**
   * Node's permission model inside the sandbox (no child_process, workers, fs outside
   * /sandbox and /tmp). Only tests turn it off, to prove bwrap and the rlimits hold alone.
   * @default true
   */
  nodePermissions?: boolean;
  /**
   * Keep kafka-ts sandboxes started ahead of runs, one per free slot (lib/sandbox/warm.ts).
   * The site's host does; tests that count slots or processes choose. @default false
   */
  warm?: boolean;
}

/**
 * What all runs of one server process share: the resolved runtime (node, kafkajs, system
 * binds), the uid slots and the per-slot scratch folders.
 */
export class SandboxHost {
  readonly slots: UidSlots;
  readonly workdirs: SlotWorkdirs;
  /** Host side of the endpoints relayed into each slot's network namespace. */
  readonly relays: NetworkRelays;
  readonly nodePermissions: boolean;
  /** Sandboxes started ahead of runs, when the host keeps them. */
  readonly warm: WarmSandboxes | undefined;
  private runtimePromise: Promise<SandboxRuntime> | undefined;

  constructor(private readonly options: SandboxHostOptions = {}) {
    this.slots = new UidSlots(options.concurrency ?? 4, options.firstUid);
    this.workdirs = new SlotWorkdirs(options);
    this.relays = new NetworkRelays(path.join(options.root ?? '/run/cauce-sandbox', 'net'));
    this.nodePermissions = options.nodePermissions ?? true;
    this.warm = options.warm ? new WarmSandboxes(this) : undefined;
  }

  /** Resolved on first use; a failure is not cached so a fixed setup is picked up. */
  runtime(): Promise<SandboxRuntime> {
    this.runtimePromise ??= resolveRuntime(this.options).catch((error: unknown) => {
      this.runtimePromise = undefined;
      throw error;
    });
    return this.runtimePromise;
  }
}

/** The host used when a run names none: a uid slot for every run the queue lets through. One per process. */
export function defaultSandboxHost(): SandboxHost {
  return perProcess('sandbox-host:kafka-ts', () => new SandboxHost({ concurrency: runCapacity().kafkaTs, warm: true }));
}
