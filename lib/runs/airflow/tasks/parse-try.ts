import { spawn } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import type net from 'node:net';
import { constants as os } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { runCgroup } from '@/lib/sandbox/cgroup';
import { buildSandboxCommand } from '@/lib/sandbox/command';
import { airflowParseSandboxSpec } from '@/lib/sandbox/kinds/airflow-parse';
import type { AirflowTaskRuntime } from '@/lib/sandbox/kinds/airflow-task';
import { CPU_WEIGHT, type AirflowTaskLimits } from '@/lib/limits';
import type { NetworkRelays } from '@/lib/sandbox/network';
import type { UidSlots } from '@/lib/sandbox/slots';
import type { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { claimSlot } from './task-try';
import { TaskRefusedError } from './workload';

/** The dag-processor's request for a sandboxed parse (lab/airflow/executor/cauce_parse.py `_bridge`). */
export const ParseRequest = z.strictObject({
  type: z.literal('ParseDagFile'),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  file: z.string().min(1).max(4096).describe('Absolute path of the DAG file, as the dag-processor names it'),
  bundlePath: z.string().min(1).max(4096).describe("The bundle's folder: the lab's DAG folder"),
  relPath: z.string().min(1).max(4096).describe('The file relative to the bundle, e.g. "cauce_ana/backup_dag.py"'),
});
export type ParseRequest = z.infer<typeof ParseRequest>;

/** One of the parse child's three channel sockets, opened by the same bridge. */
export const ParseStream = z.strictObject({
  type: z.literal('ParseStream'),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  role: z.enum(['requests', 'stdout', 'stderr']),
});
export type ParseStream = z.infer<typeof ParseStream>;

const ROLES = ['requests', 'stdout', 'stderr'] as const;
type Role = (typeof ROLES)[number];

export interface ParseContext {
  slots: UidSlots;
  workdirs: SlotWorkdirs;
  relays: NetworkRelays;
  runtime: () => Promise<AirflowTaskRuntime>;
  /** lab/airflow/executor/cauce_parse_child.py on the host. */
  childScript: string;
  /** The lab's DAG folder (real path). */
  dagsDir: string;
  limits: AirflowTaskLimits;
  log: (line: string) => void;
}

/** How long a bridge may take to open its three streams after the request. */
const STREAMS_WAIT_MS = 10_000;
const STUDENT_FOLDER = /^cauce_([a-z0-9_]{1,32})$/;

/**
 * Pairs each parse request with its three streams and runs the parse. The request's
 * connection is the control line: "started", then the exit code; closing it (the
 * dag-processor killed its child at its timeout) kills the sandbox.
 */
export class ParseBroker {
  private readonly pending = new Map<string, { request?: { message: ParseRequest; control: net.Socket }; streams: Partial<Record<Role, net.Socket>>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly context: () => Promise<ParseContext>,
    private readonly running: Set<AbortController>,
  ) {}

  request(message: ParseRequest, control: net.Socket): void {
    this.entry(message.nonce).request = { message, control };
    this.maybeStart(message.nonce);
  }

  stream(message: ParseStream, connection: net.Socket): void {
    const entry = this.entry(message.nonce);
    if (entry.streams[message.role]) {
      connection.destroy();
      return;
    }
    // Nothing more is read here: the bytes that follow are the child's, handed over whole.
    connection.pause();
    connection.removeAllListeners('data');
    entry.streams[message.role] = connection;
    this.maybeStart(message.nonce);
  }

  private entry(nonce: string) {
    let entry = this.pending.get(nonce);
    if (!entry) {
      const timer = setTimeout(() => this.drop(nonce, 'the parse streams did not arrive'), STREAMS_WAIT_MS);
      timer.unref();
      entry = { streams: {}, timer };
      this.pending.set(nonce, entry);
    }
    return entry;
  }

  private drop(nonce: string, reason: string): void {
    const entry = this.pending.get(nonce);
    if (!entry) return;
    this.pending.delete(nonce);
    clearTimeout(entry.timer);
    entry.request?.control.end(JSON.stringify({ error: reason }) + '\n');
    for (const socket of Object.values(entry.streams)) socket?.destroy();
  }

  private maybeStart(nonce: string): void {
    const entry = this.pending.get(nonce);
    const streams = entry?.streams;
    if (!entry?.request || !streams || !ROLES.every((role) => streams[role])) return;
    this.pending.delete(nonce);
    clearTimeout(entry.timer);
    const { message, control } = entry.request;
    const controller = new AbortController();
    this.running.add(controller);
    control.on('close', () => controller.abort());
    control.on('error', () => controller.abort());
    const answer = (reply: object) => {
      if (!control.destroyed) control.write(JSON.stringify(reply) + '\n');
    };
    this.context()
      .then((context) => runParseTry(message, [streams.requests!, streams.stdout!, streams.stderr!], context, controller.signal, () => answer({ started: true })))
      .then(
        (end) => {
          answer({ exitCode: end.exitCode });
          control.end();
        },
        (error: unknown) => {
          const text = error instanceof TaskRefusedError ? error.message : `the sandbox could not start: ${String(error)}`;
          this.context().then(
            (context) => context.log(`[airflow-parse] refused ${message.relPath}: ${text}`),
            () => undefined,
          );
          answer({ error: text });
          control.end();
        },
      )
      .finally(() => {
        this.running.delete(controller);
        for (const socket of Object.values(streams)) socket?.destroy();
      });
  }
}

/** The student folder a parse may see, or {@link TaskRefusedError}: never trusted as sent. */
export async function placeParse(request: ParseRequest, dagsDir: string): Promise<{ student: string; studentFolder: string; file: string }> {
  const rel = path.posix.normalize(request.relPath);
  const [folder, ...rest] = rel.split('/');
  const student = STUDENT_FOLDER.exec(folder ?? '')?.[1];
  if (path.posix.isAbsolute(rel) || rel.startsWith('..') || !student || rest.length === 0) {
    throw new TaskRefusedError(`DAG file ${request.relPath} is not inside a student's folder (cauce_<student>/)`);
  }
  const bundle = await realpath(request.bundlePath).catch(() => '');
  if (bundle !== dagsDir) throw new TaskRefusedError(`bundle ${request.bundlePath} is not the lab's DAG folder`);
  const studentFolder = path.join(dagsDir, folder!);
  const file = await realpath(request.file).catch(() => '');
  const info = file ? await stat(file).catch(() => null) : null;
  if (file !== path.join(studentFolder, ...rest) || !info?.isFile()) {
    throw new TaskRefusedError(`${request.file} is not the file ${rel} of the lab's DAG folder`);
  }
  return { student, studentFolder, file };
}

export interface ParseTryEnd {
  exitCode: number;
  reason: 'finished' | 'timeout' | 'memory-limit' | 'stopped';
  durationMs: number;
}

/**
 * One DAG file parse in the sandbox: checks where the file is, claims a uid, runs the child
 * with the bridge's three sockets as its fds 0, 1 and 2, and gives everything back.
 */
export async function runParseTry(
  request: ParseRequest,
  channel: [net.Socket, net.Socket, net.Socket],
  context: ParseContext,
  signal: AbortSignal,
  onStarted: () => void,
): Promise<ParseTryEnd> {
  const placement = await placeParse(request, context.dagsDir);
  const slot = await claimSlot(context.slots, signal);
  let dirs: Awaited<ReturnType<SlotWorkdirs['prepare']>> | undefined;
  try {
    const [runtime, network, cgroup, prepared] = await Promise.all([
      context.runtime(),
      context.relays.forSlot(slot.uid, []),
      runCgroup(slot.uid, { memoryMb: context.limits.memoryMb, processes: context.limits.processes, cpuWeight: CPU_WEIGHT.batch }),
      context.workdirs.prepare(slot),
    ]);
    dirs = prepared;
    const command = buildSandboxCommand(
      airflowParseSandboxSpec({
        uid: slot.uid,
        limits: context.limits,
        runtime,
        childScript: context.childScript,
        tmp: dirs.tmp,
        dagsDir: context.dagsDir,
        studentFolder: placement.studentFolder,
        network,
        cgroupProcs: cgroup?.procs ?? [],
      }),
    );
    const oomBefore = (await cgroup?.oomKills()) ?? 0;
    const end = await execute(command, channel, context.limits.wallMs, signal, onStarted);
    const oomKilled = cgroup ? (await cgroup.oomKills().catch(() => oomBefore)) > oomBefore : false;
    const reason = end.reason === 'finished' && oomKilled ? 'memory-limit' : end.reason;
    context.log(`[airflow-parse] ${request.relPath} parsed as uid ${slot.uid}: exit ${end.exitCode}, ${reason}, ${end.durationMs} ms`);
    return { exitCode: end.exitCode, reason, durationMs: end.durationMs };
  } finally {
    if (dirs) await context.workdirs.clean(dirs).catch(() => undefined);
    await slot.release().catch((error: unknown) => context.log(`[airflow-parse] slot release failed: ${String(error)}`));
  }
}

function execute(
  command: { file: string; args: string[] },
  channel: [net.Socket, net.Socket, net.Socket],
  wallMs: number,
  signal: AbortSignal,
  onStarted: () => void,
): Promise<Omit<ParseTryEnd, 'reason'> & { reason: ParseTryEnd['reason'] }> {
  return new Promise((resolve) => {
    const started = Date.now();
    // env {} on purpose (bwrap's pid 1 keeps it, readable at /proc/1/environ); the channel
    // sockets become the child's stdin, stdout and stderr (duplicated; ours are closed below).
    const child = spawn(command.file, command.args, { env: {} as NodeJS.ProcessEnv, stdio: channel, detached: true });
    for (const socket of channel) socket.destroy();
    let killedFor: ParseTryEnd['reason'] | undefined;
    const kill = (reason: ParseTryEnd['reason']) => {
      killedFor ??= reason;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('timeout'), wallMs);
    const onAbort = () => kill('stopped');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    child.once('spawn', onStarted);
    child.once('error', () => undefined); // a failed spawn also closes
    child.once('close', (code, killedBy) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      const exitCode = code ?? 128 + (killedBy ? os.signals[killedBy] : 0);
      resolve({ exitCode: killedFor && exitCode === 0 ? 137 : exitCode, reason: killedFor ?? 'finished', durationMs: Date.now() - started });
    });
  });
}
