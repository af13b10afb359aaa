import type { ChildProcess } from 'node:child_process';
import { constants as os } from 'node:os';
import { runCgroup, type RunBudget, type RunCgroup } from './cgroup';
import { resolveLimits, STOP_GRACE_MS, treeBudgetOf, type SandboxLimits } from '@/lib/limits';
import { buildSandboxCommand, type SandboxSpec } from './command';
import { SandboxBusyError, SandboxLimitError, SandboxSetupError, type SandboxError } from './errors';
import { defaultSandboxHost, type SandboxHost } from './host';
import { checkProgramEnv, nodeSandboxSpec } from './kinds/node';
import { deniedMessage, endMessage, type DeniedCapability, type EndReason } from './messages';
import { OutputCollector, type SandboxOutput } from './output';
import { RECORD_MARKER } from './record-marker';
import { isRuntimeNoise, mapStackToSnippet } from './stack';
import type { CompiledFile } from './transpile';
import type { UidSlot } from './slots';
import { discard, NODE_MOUNT_POINTS, spawnSandbox, type WarmSandbox } from './warm';
import type { SandboxRuntime } from './runtime';
import type { HttpRelayFilter, SlotNetwork } from './network';
import type { RunDirs } from './workdir';
import { runProbe, type SandboxProbe } from './probe';

export interface SandboxResult {
  /** Exit code of node, or null when it died by a signal. */
  exitCode: number | null;
  /** Signal that ended node (e.g. `SIGXCPU`), or null. */
  signal: string | null;
  reason: EndReason;
  durationMs: number;
  /** True when output was cut at `limits.outputBytes`. */
  truncated: boolean;
  /** A refused capability the program ran into, recognised in its stderr. */
  denied: DeniedCapability | null;
  /** Spanish explanation for the student; null when the program simply ended well. */
  message: string | null;
  /** Typed error for limit and server-side ends (a {@link SandboxLimitError} for limits). */
  error: SandboxError | null;
  /** It ran in a sandbox started ahead of it (lib/sandbox/warm.ts). */
  warm: boolean;
  /** What the program's {@link SandboxProgram.probe} reported (its stdout), or null when it did not run or failed. */
  probe: string | null;
}

/** The slot a {@link SandboxProgram} starts in, ready: its uid, folders, network and cgroup. */
export interface ProgramSlot {
  uid: number;
  limits: SandboxLimits;
  runtime: SandboxRuntime;
  dirs: RunDirs;
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

/**
 * A kind other than kafka-ts's node (lib/sandbox/kinds/): what it runs in a slot, always
 * started cold. The run's owner stays {@link SandboxRun}: slot, wall clock, output cap, stop,
 * end reasons and cleanup are the same for every kind.
 */
export interface SandboxProgram {
  /** The kind's limits (lib/limits.ts); the run's `limits` override them. */
  defaults: Readonly<SandboxLimits>;
  /** Its whole-tree budget (one cgroup) for the resolved limits. */
  budget(limits: SandboxLimits): RunBudget;
  /** Files written to /sandbox as they are. */
  files: readonly { name: string; content: string }[];
  /** Its spec in this slot; `argv` replaces the program's (the probe runs with the same spec). */
  spec(slot: ProgramSlot, argv?: readonly string[]): Promise<SandboxSpec>;
  /** Rewrites a stderr line for the student (e.g. drops the /sandbox prefix). @default as is */
  rewrite?(line: string): string;
  /** A limit the kernel reported in a stderr line (bash's "File size limit exceeded"): the run ends with it at once. */
  limitIn?(line: string): EndReason | undefined;
  /**
   * The server's own program, run after this one in the same slot, spec and /tmp once every
   * process of the run is gone (so nothing of the student's can write its report). @default none
   */
  probe?: SandboxProbe;
  /**
   * "Detener" first closes the program's stdin and gives it {@link STOP_GRACE_MS} to end by
   * itself (kafka-py's shim closes its consumers, which leave their groups). @default false
   */
  stopGracefully?: boolean;
  /** How long a graceful stop may take (pyspark: stopping its queries on the Spark server). @default STOP_GRACE_MS */
  stopGraceMs?: number;
}

export interface SandboxRunOptions {
  /** Transpiled files, written to /sandbox. */
  files: readonly CompiledFile[];
  /** Emitted entry name, e.g. `producer.mjs`. */
  entry: string;
  /** The only variables the program sees besides HOME and PATH, e.g. `{ KAFKA_BROKERS }`. */
  env?: Readonly<Record<string, string>>;
  /**
   * `host:port` endpoints relayed into the run's network namespace (the Kafka brokers); the
   * run reaches nothing else. @default []
   */
  endpoints?: readonly string[];
  /** Every endpoint is HTTP and each request passes this filter (lib/sandbox/network.ts). @default bytes relayed as they are */
  httpFilter?: HttpRelayFilter;
  /** Overrides of {@link DEFAULT_KAFKA_TS_LIMITS}. @default {} */
  limits?: Partial<SandboxLimits>;
  /** Aborting ends the run with reason `stopped`. */
  signal?: AbortSignal;
  /** Receives output as it arrives, line by line. */
  onOutput: (output: SandboxOutput) => void;
  /** @default defaultSandboxHost() */
  host?: SandboxHost;
  /** Another kind's program (lib/sandbox/kinds/); `files` and `entry` are then unused. @default kafka-ts's node */
  program?: SandboxProgram;
}

const MEMORY_MARKER = /JavaScript heap out of memory|Array buffer allocation failed|Fatal process out of memory|std::bad_alloc/;
const DENIED: [RegExp, DeniedCapability][] = [
  [/permission: 'ChildProcess'/, 'process'],
  [/permission: 'WorkerThreads'/, 'worker'],
  [/permission: 'FileSystemRead'/, 'fs-read'],
  [/permission: 'FileSystemWrite'/, 'fs-write'],
  [/ERR_ACCESS_DENIED.*(process\.binding|addon)|permission: 'Addon'/, 'native'],
];
/** How often a program's cgroup is read for refused forks (a fork bomb ends within this). */
const PROCESS_LIMIT_POLL_MS = 200;
/** How long the probe waits for the run's last processes to be gone. */
const DRAIN_WAIT_MS = 3_000;
/**
 * How long a run that found no slot waits for one this server's warm pool is handing back (a
 * sandbox being started or thrown away). Only waited while the pool holds a slot, which is a
 * moment on a quiet machine and a few seconds on one saturated by a class's burst.
 */
const WARM_HANDOVER_WAIT_MS = 10_000;
// Our exec chain reports its own failures this way before node ever starts.
const SETUP_FAILURE = /^(bwrap|setpriv|prlimit|cauce-sandbox|cauce-relay): /;

/**
 * Owner of one run's lifecycle: claims a uid slot, writes the files, starts the sandbox,
 * enforces the wall clock, output cap and abort, classifies the end and always cleans up.
 */
export class SandboxRun {
  readonly limits: SandboxLimits;
  private readonly host: SandboxHost;
  private killReason: EndReason | undefined;
  private kill: ((reason: EndReason) => void) | undefined;
  private warm = false;

  constructor(private readonly options: SandboxRunOptions) {
    this.limits = resolveLimits(options.limits, options.program?.defaults);
    this.host = options.host ?? defaultSandboxHost();
  }

  /** Stops the run (reason `stopped`); same as aborting the signal. */
  stop(): void {
    this.killReason ??= 'stopped';
    this.kill?.('stopped');
  }

  /**
   * Runs to the end and resolves after cleanup. Rejects only with {@link SandboxBusyError}
   * (nothing ran); every other outcome, server failures included, is a {@link SandboxResult}.
   */
  async run(): Promise<SandboxResult> {
    const { signal } = this.options;
    if (signal?.aborted || this.killReason) return this.result('stopped', null, 0, false, null);
    const endpoints = this.options.endpoints ?? [];
    const claim = await this.claim(endpoints);
    if (!claim) throw new SandboxBusyError();
    if ('child' in claim) return this.runWarm(claim);
    const slot = claim;
    let dirs: Awaited<ReturnType<SandboxHost['workdirs']['prepare']>> | undefined;
    try {
      const runtime = await this.host.runtime();
      const program = this.options.program;
      if (program) {
        dirs = await this.host.workdirs.prepare(
          slot,
          program.files.map((f) => ({ name: f.name, js: f.content })),
        );
        const [network, cgroup] = await Promise.all([this.host.relays.forSlot(slot.uid, endpoints, this.options.httpFilter), runCgroup(slot.uid, program.budget(this.limits))]);
        const ready: ProgramSlot = { uid: slot.uid, limits: this.limits, runtime, dirs, network, cgroupProcs: cgroup?.procs ?? [] };
        const oomBefore = (await cgroup?.oomKills()) ?? 0;
        // Read before the program starts: a fork bomb can hit the limit within its first milliseconds.
        const forksBefore = (await cgroup?.processLimitHits()) ?? 0;
        const result = await this.execute(spawnSandbox(buildSandboxCommand(await program.spec(ready))), cgroup, oomBefore, undefined, forksBefore);
        if (!program.probe || result.reason === 'stopped' || result.reason === 'error') return result;
        return { ...result, probe: await runProbe(program.probe, (argv) => program.spec(ready, argv), cgroup, DRAIN_WAIT_MS) };
      }
      dirs = await this.host.workdirs.prepare(slot, this.options.files, NODE_MOUNT_POINTS);
      const [network, cgroup] = await Promise.all([this.host.relays.forSlot(slot.uid, endpoints), runCgroup(slot.uid, treeBudgetOf(this.limits))]);
      const command = buildSandboxCommand(
        nodeSandboxSpec({
          uid: slot.uid,
          limits: this.limits,
          runtime,
          dirs,
          env: this.options.env ?? {},
          entry: this.options.entry,
          network,
          cgroupProcs: cgroup?.procs ?? [],
          nodePermissions: this.host.nodePermissions,
        }),
      );
      const oomBefore = (await cgroup?.oomKills()) ?? 0;
      return await this.execute(spawnSandbox(command), cgroup, oomBefore);
    } catch (cause) {
      return this.result('error', null, 0, false, null, new SandboxSetupError(cause));
    } finally {
      this.kill = undefined;
      await Promise.allSettled([dirs && this.host.workdirs.clean(dirs)]);
      await slot.release().catch((error: unknown) => console.error('[sandbox] slot release failed', error));
      this.host.warm?.scheduleFill();
    }
  }

  /**
   * A warm sandbox for this run, or a slot to start it cold in; null when every slot runs
   * another program. The queue never lets more runs through than there are slots, so a slot
   * this server's warm pool holds (idle, starting, being thrown away) is only a moment away:
   * the run waits for it, up to {@link WARM_HANDOVER_WAIT_MS}, instead of being refused.
   */
  private async claim(endpoints: readonly string[]): Promise<WarmSandbox | UidSlot | null> {
    const pool = this.options.program ? undefined : this.host.warm; // warm sandboxes are kafka-ts's node
    return pool ? pool.claiming(() => this.claimFrom(endpoints, pool)) : this.claimFrom(endpoints, undefined);
  }

  private async claimFrom(endpoints: readonly string[], pool: SandboxHost['warm']): Promise<WarmSandbox | UidSlot | null> {
    const deadline = Date.now() + WARM_HANDOVER_WAIT_MS;
    for (;;) {
      const warm = pool?.take(endpoints, this.limits);
      if (warm) return warm;
      const slot = await this.host.slots.acquire();
      if (slot) return slot;
      if (pool) {
        // The slots may be held by warm sandboxes being started or kept for other endpoints or limits.
        const late = await pool.forRunWithoutSlot(endpoints, this.limits);
        if (late) return late;
        const freed = await this.host.slots.acquire();
        if (freed) return freed;
      }
      if (!pool?.holdsSlots() || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Still none: another server's idle warm sandboxes may hold them (they yield when asked).
    return this.host.slots.acquire({ askIdle: true });
  }

  /**
   * The run in a sandbox started ahead of it: its files go into the sandbox's /sandbox (a
   * bind of a host folder, so they appear inside), its variables and entry down stdin. The
   * wall clock starts here; the CPU limit also counts node's start-up (about 0.3 s).
   */
  private async runWarm(warm: WarmSandbox): Promise<SandboxResult> {
    this.warm = true;
    try {
      const env = checkProgramEnv(this.options.env ?? {});
      await this.host.workdirs.writeFiles(warm.dirs, this.options.files);
      const handover = `${JSON.stringify({ env, entry: this.options.entry })}\n`;
      return await this.execute(warm.child, warm.cgroup, warm.oomBefore, () => warm.child.stdin!.write(handover));
    } catch (cause) {
      return this.result('error', null, 0, false, null, new SandboxSetupError(cause));
    } finally {
      this.kill = undefined;
      await discard(warm, this.host);
      this.host.warm?.scheduleFill();
    }
  }

  /** Follows a started sandbox to its end; `start`, if given, is called once its output is being read. */
  private execute(child: ChildProcess, cgroup: RunCgroup | null, oomBefore: number, start?: () => void, forksBefore = 0): Promise<SandboxResult> {
    const stdin = child.stdin!;
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    return new Promise((resolve) => {
      const started = Date.now();
      let memory = false;
      let denied: DeniedCapability | null = null;
      const setupErrors: string[] = [];
      const files = this.options.files;

      const output = new OutputCollector({
        limitBytes: this.limits.outputBytes,
        emit: this.options.onOutput,
        recordMarker: RECORD_MARKER, // the kafkajs shim's records: budgeted by the run's owner (lib/runs/kafka-ts.ts)
        rewrite: (line, stream) => {
          const program = this.options.program;
          if (program) {
            if (stream !== 'stderr') return line;
            if (SETUP_FAILURE.test(line)) {
              setupErrors.push(line);
              return null;
            }
            const limit = program.limitIn?.(line);
            if (limit) setImmediate(() => kill(limit)); // after this line is shown: it says what happened
            return program.rewrite?.(line) ?? line;
          }
          if (stream === 'stderr') {
            if (SETUP_FAILURE.test(line)) {
              setupErrors.push(line);
              return null;
            }
            if (MEMORY_MARKER.test(line)) memory = true;
            denied ??= DENIED.find(([pattern]) => pattern.test(line))?.[1] ?? null;
            if (isRuntimeNoise(line)) return null;
          }
          return mapStackToSnippet(line, files);
        },
      });

      let graceTimer: NodeJS.Timeout | undefined;
      // Only the Kafka shims react to stdin closing; anything else is stopped at once.
      const program = this.options.program;
      const usesKafka = program ? program.stopGracefully === true : this.options.files.some((f) => f.js.includes('kafkajs'));
      const kill = (reason: EndReason): void => {
        this.killReason ??= reason; // the first end wins: a stop after a timeout stays a timeout
        if (reason === 'stopped' && usesKafka && !graceTimer && child.exitCode === null) {
          stdin.end();
          graceTimer = setTimeout(() => kill('stopped'), program?.stopGraceMs ?? STOP_GRACE_MS);
          return;
        }
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL'); // the group: setpriv→prlimit→bwrap is one pid
        } catch {
          // already exited
        }
        // Stop reading: whatever is still buffered in the pipes is discarded.
        stdout.destroy();
        stderr.destroy();
      };
      this.kill = kill;
      const onAbort = (): void => kill('stopped');
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => kill('timeout'), this.limits.wallMs);
      // A fork bomb does not end by itself (bash retries a refused fork): the cgroup's count of
      // refused forks ends it at once. kafka-ts's node is refused processes by its permissions.
      const forks = this.options.program && cgroup ? watchProcessLimit(cgroup, forksBefore, () => kill('process-limit')) : undefined;
      if (this.killReason) kill(this.killReason); // stopped while the files were being written

      stdout.on('data', (chunk: Buffer) => output.write('stdout', chunk) || kill('output-limit'));
      stderr.on('data', (chunk: Buffer) => output.write('stderr', chunk) || kill('output-limit'));

      let settled = false;
      const settle = (result: SandboxResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        forks?.stop();
        this.options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      child.on('error', (cause) => {
        // Only a failed spawn (setpriv missing) lands here without a pid; kill errors are ignored.
        if (child.pid === undefined) settle(this.result('error', null, 0, false, null, new SandboxSetupError(cause)));
      });
      // A warm sandbox that already ended (killed while idle) has no 'close' to wait for.
      if (child.exitCode !== null || child.signalCode !== null) {
        settle(this.result('error', null, 0, false, null, new SandboxSetupError(new Error('the warm sandbox had exited'))));
        return;
      }
      child.on('close', (code, killedBy) => void closed(code, killedBy));
      if (!this.killReason) start?.();
      const closed = async (code: number | null, killedBy: NodeJS.Signals | null): Promise<void> => {
        // The kernel's OOM killer inside the run's cgroup: the whole tree outgrew its budget.
        const oomKilled = cgroup ? (await cgroup.oomKills().catch(() => oomBefore)) > oomBefore : false;
        // A bomb whose script ended before the poll saw a refused fork (a loaded machine) still hit the limit.
        const forkRefused = forks && cgroup ? (await cgroup.processLimitHits().catch(() => forksBefore)) > forksBefore : false;
        if (!this.killReason) output.end();
        const durationMs = Date.now() - started;
        // bwrap reports a signal-killed child as 128 + signal number.
        const exitSignal = code !== null && code > 128 ? signalName(code - 128) : killedBy;
        const exitCode = exitSignal ? null : code;
        const truncated = output.truncated;
        if (this.killReason) return settle(this.result(this.killReason, exitSignal, durationMs, truncated, denied));
        if (code === 1 && setupErrors.length > 0) {
          const cause = new Error(setupErrors.join('\n'));
          return settle(this.result('error', null, durationMs, truncated, null, new SandboxSetupError(cause)));
        }
        const cpuEnd = exitSignal === 'SIGXCPU' || (exitSignal === 'SIGKILL' && durationMs >= this.limits.cpuSeconds * 1000);
        // node aborts (SIGABRT) when V8 or a native buffer cannot get memory, sometimes before
        // it can print why: under a memory budget that is the budget, not a mysterious signal.
        const outOfMemory = memory || oomKilled || exitSignal === 'SIGABRT';
        // The program itself wrote past RLIMIT_FSIZE (a shell's own redirection; node ignores the signal).
        const fileEnd = exitSignal === 'SIGXFSZ';
        const reason: EndReason = cpuEnd ? 'cpu-limit' : fileEnd ? 'file-limit' : outOfMemory && code !== 0 ? 'memory-limit' : forkRefused ? 'process-limit' : 'finished';
        settle(this.result(reason, exitSignal, durationMs, truncated, denied, undefined, exitCode));
      };
    });
  }

  private result(
    reason: EndReason,
    signal: string | null,
    durationMs: number,
    truncated: boolean,
    denied: DeniedCapability | null,
    error?: SandboxError,
    exitCode: number | null = null,
  ): SandboxResult {
    const end = { reason, exitCode, signal };
    const message = denied && reason === 'finished' ? deniedMessage(denied) : endMessage(end, this.limits);
    return { ...end, durationMs, truncated, denied, message, error: error ?? limitError(reason, this.limits, message), warm: this.warm, probe: null };
  }
}

const LIMIT_OF: Partial<Record<EndReason, keyof SandboxLimits>> = {
  timeout: 'wallMs',
  'cpu-limit': 'cpuSeconds',
  'memory-limit': 'memoryMb',
  'output-limit': 'outputBytes',
  'process-limit': 'processes',
  'file-limit': 'fileSizeMb',
};

/** Polls the cgroup's refused forks; calls `hit` once on the first one past `before`. */
function watchProcessLimit(cgroup: RunCgroup, before: number, hit: () => void): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    if (stopped) return;
    if ((await cgroup.processLimitHits().catch(() => before)) > before) return hit();
    timer = setTimeout(() => void poll(), PROCESS_LIMIT_POLL_MS);
  };
  void poll();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function limitError(reason: EndReason, limits: SandboxLimits, message: string | null): SandboxError | null {
  const limit = LIMIT_OF[reason];
  return limit && message ? new SandboxLimitError(limit, limits[limit], message) : null;
}

function signalName(number: number): string | null {
  return Object.entries(os.signals).find(([, n]) => n === number)?.[0] ?? null;
}
