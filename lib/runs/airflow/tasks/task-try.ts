import { spawn } from 'node:child_process';
import { constants as os } from 'node:os';
import { stat, writeFile, chown } from 'node:fs/promises';
import path from 'node:path';
import { runCgroup } from '@/lib/sandbox/cgroup';
import { buildSandboxCommand } from '@/lib/sandbox/command';
import { airflowTaskSandboxSpec, TASK_WORKLOAD_FILE, type AirflowTaskRuntime } from '@/lib/sandbox/kinds/airflow-task';
import { CPU_WEIGHT, type AirflowTaskLimits } from '@/lib/limits';
import type { NetworkRelays } from '@/lib/sandbox/network';
import type { UidSlot, UidSlots } from '@/lib/sandbox/slots';
import type { SlotWorkdirs } from '@/lib/sandbox/workdir';
import { studentApiFilter } from './api-filter';
import { chownLogFile, prepareLogFile } from './log-file';
import { placeWorkload, TaskRefusedError, TaskWorkload } from './workload';

/** What every try of one launcher shares. */
export interface TaskTryContext {
  slots: UidSlots;
  workdirs: SlotWorkdirs;
  relays: NetworkRelays;
  runtime: () => Promise<AirflowTaskRuntime>;
  /** lib/sandbox/relay/relay.py on the host. */
  relayScript: string;
  /** The lab's DAG and log folders (real paths). */
  dagsDir: string;
  logsDir: string;
  /** Owner of the lab's files (the log file goes back to it); undefined when Airflow runs as us. */
  airflowUid: number | undefined;
  /** The api-server's `host:port`, the one endpoint relayed in. */
  apiEndpoint: string;
  limits: AirflowTaskLimits;
  log: (line: string) => void;
}

export interface TaskTryEnd {
  /** The sandbox's exit code (128 + signal when it was killed). */
  exitCode: number;
  reason: 'finished' | 'timeout' | 'memory-limit' | 'stopped';
  durationMs: number;
}

/** How long a try waits for a free uid (more tries than slots only while the previous ones exit). */
const SLOT_WAIT_MS = 30_000;

/**
 * One task try, start to end: checks the workload, claims a uid, writes the workload to the
 * slot's /tmp, hands the log file to that uid, runs the sandbox to its end (or the wall
 * clock), gives everything back. Throws {@link TaskRefusedError} for a workload it will not run.
 */
export async function runTaskTry(raw: string, context: TaskTryContext, signal: AbortSignal): Promise<TaskTryEnd> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new TaskRefusedError('the workload is not JSON');
  }
  const parsed = TaskWorkload.safeParse(json);
  if (!parsed.success) throw new TaskRefusedError(`not an ExecuteTask workload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const workload = parsed.data;
  const placement = placeWorkload(workload, context);
  const folder = await stat(placement.studentFolder).catch(() => null);
  if (!folder?.isDirectory()) throw new TaskRefusedError(`${placement.studentFolder} does not exist`);

  const slot = await claimSlot(context.slots, signal);
  let dirs: Awaited<ReturnType<SlotWorkdirs['prepare']>> | undefined;
  let logHandedOver = false;
  try {
    const [runtime, network, cgroup, prepared] = await Promise.all([
      context.runtime(),
      // Only the Execution API, and of it only this student's DAGs (api-filter.ts).
      context.relays.forSlot(slot.uid, [context.apiEndpoint], studentApiFilter(placement.student)),
      runCgroup(slot.uid, { memoryMb: context.limits.memoryMb, processes: context.limits.processes, cpuWeight: CPU_WEIGHT.batch }),
      context.workdirs.prepare(slot),
    ]);
    dirs = prepared;
    const route = network.routes[0];
    if (!route) throw new Error(`the api-server ${context.apiEndpoint} cannot be relayed into a sandbox`);
    // The token stays out of every command line: a file only this slot's uid can read.
    const workloadFile = path.join(dirs.tmp, path.basename(TASK_WORKLOAD_FILE));
    await writeFile(workloadFile, raw, { mode: 0o600 });
    await chown(workloadFile, slot.uid, slot.uid);
    await prepareLogFile(context.logsDir, placement.logFile, context.airflowUid);
    await chownLogFile(placement.logFile, slot.uid);
    logHandedOver = true;
    const command = buildSandboxCommand(
      airflowTaskSandboxSpec({
        uid: slot.uid,
        limits: context.limits,
        runtime,
        relayScript: context.relayScript,
        tmp: dirs.tmp,
        dagsDir: context.dagsDir,
        studentFolder: placement.studentFolder,
        logsDir: context.logsDir,
        logFile: placement.logFile,
        executionApiUrl: `http://${route.listenHost}:${route.port}/execution/`,
        network,
        cgroupProcs: cgroup?.procs ?? [],
      }),
    );
    const oomBefore = (await cgroup?.oomKills()) ?? 0;
    const end = await execute(command, context.limits.wallMs, signal);
    const oomKilled = cgroup ? (await cgroup.oomKills().catch(() => oomBefore)) > oomBefore : false;
    const reason = end.reason === 'finished' && oomKilled ? 'memory-limit' : end.reason;
    const what = `${workload.ti.dag_id}.${workload.ti.task_id} (${workload.ti.run_id}, try ${workload.ti.try_number})`;
    context.log(`[airflow-tasks] ${what} ran as uid ${slot.uid}: exit ${end.exitCode}, ${reason}, ${end.durationMs} ms`);
    if (end.exitCode !== 0 && end.tail.length > 0) context.log(`[airflow-tasks] last lines of ${what}:\n${end.tail.join('\n')}`);
    return { exitCode: end.exitCode, reason, durationMs: end.durationMs };
  } finally {
    if (logHandedOver) {
      await chownLogFile(placement.logFile, context.airflowUid ?? process.getuid?.() ?? 0).catch((error: unknown) =>
        context.log(`[airflow-tasks] could not give ${placement.logFile} back: ${String(error)}`),
      );
    }
    if (dirs) await context.workdirs.clean(dirs).catch(() => undefined);
    await slot.release().catch((error: unknown) => context.log(`[airflow-tasks] slot release failed: ${String(error)}`));
  }
}

export async function claimSlot(slots: UidSlots, signal: AbortSignal): Promise<UidSlot> {
  const deadline = Date.now() + SLOT_WAIT_MS;
  for (;;) {
    const slot = await slots.acquire();
    if (slot) return slot;
    if (signal.aborted || Date.now() > deadline) throw new TaskRefusedError('every task sandbox uid is busy');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const TAIL_LINES = 20;

function execute(
  command: { file: string; args: string[] },
  wallMs: number,
  signal: AbortSignal,
): Promise<{ exitCode: number; reason: TaskTryEnd['reason']; durationMs: number; tail: string[] }> {
  return new Promise((resolve) => {
    const started = Date.now();
    // env {} on purpose: bwrap's pid 1 keeps this environment, readable at /proc/1/environ.
    const child = spawn(command.file, command.args, { env: {} as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let killedFor: TaskTryEnd['reason'] | undefined;
    const kill = (reason: TaskTryEnd['reason']) => {
      killedFor ??= reason;
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL'); // the group: setpriv→prlimit→bwrap is one pid
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('timeout'), wallMs);
    const onAbort = () => kill('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    // The task's log goes to its log file; stdout/stderr only keep a tail for the server's log.
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop()!.slice(-2_000);
        for (const line of lines) {
          if (!line.trim()) continue;
          tail.push(line.slice(0, 500));
          if (tail.length > TAIL_LINES) tail.shift();
        }
      });
    }
    child.once('error', () => undefined); // a failed spawn also closes
    child.once('close', (code, killedBy) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      const exitCode = code ?? 128 + (killedBy ? os.signals[killedBy] : 0);
      resolve({ exitCode: killedFor && exitCode === 0 ? 137 : exitCode, reason: killedFor ?? 'finished', durationMs: Date.now() - started, tail });
    });
  });
}
