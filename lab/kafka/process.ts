import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { envVar } from '../../lib/env';

/** A JDK tool: `$JAVA_HOME/bin/<tool>`, else the one on PATH. */
export function jdkTool(tool: 'java' | 'javac'): string {
  const home = envVar('JAVA_HOME');
  return home ? join(home, 'bin', tool) : tool;
}

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process, or undefined (Linux /proc). */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Signals a whole process group. The broker runs as the leader of its own group, so
 * this reaches the JVM and anything it may have spawned.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Process groups to ask to stop if Node exits without stopping them (an uncaught error in the launcher). */
const groupsToStopOnExit = new Set<number>();

/**
 * Sends SIGTERM to this process group if Node exits first, instead of leaving it orphaned; call
 * the returned function once the child has exited. One listener for every lab process (a
 * listener each passed Node's limit of 10 with Hadoop's daemons, Airflow's and the rest).
 */
export function stopGroupOnNodeExit(pid: number): () => void {
  if (groupsToStopOnExit.size === 0) process.once('exit', stopRemainingGroups);
  groupsToStopOnExit.add(pid);
  return () => {
    groupsToStopOnExit.delete(pid);
    if (groupsToStopOnExit.size === 0) process.off('exit', stopRemainingGroups);
  };
}

/** Only synchronous work runs at exit. */
function stopRemainingGroups(): void {
  for (const pid of groupsToStopOnExit) signalGroup(pid, 'SIGTERM');
}

/** Polls until pid is gone; resolves false if it is still there after timeoutMs. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** SIGTERM to the group, then SIGKILL after graceMs: what `stop` does to any broker. */
export async function terminateGroup(pid: number, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  if (await waitForPidExit(pid, graceMs)) return;
  signalGroup(pid, 'SIGKILL');
  await waitForPidExit(pid, 5_000);
}

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolvePromise(true));
    });
  });
}
