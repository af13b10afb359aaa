import { setTimeout as sleep } from 'node:timers/promises';
import type { RunCgroup } from './cgroup';
import { buildSandboxCommand, type SandboxSpec } from './command';
import { spawnSandbox } from './warm';

/**
 * The server's own program run after a student's, in the same sandbox (slot, uid, rlimits,
 * mounts, network, /tmp), to measure what the sandbox is: the shell kind's prerequisite
 * table (lib/runs/shell/). It is started only once every process of the run is gone, in a
 * fresh bwrap, and reports on its own stdout: nothing the student ran can write there.
 */
export interface SandboxProbe {
  /** Program and arguments inside the sandbox, e.g. `['/bin/bash', '-c', script]`. */
  argv: readonly string[];
  /** Wall clock of the probe (lib/limits.ts). */
  wallMs: number;
  /** stdout kept at most; past it the report is refused (null). */
  outputBytes: number;
}

/** Runs the probe; its stdout when it exits 0 within its limits, otherwise null (the caller says it could not measure). */
export async function runProbe(probe: SandboxProbe, specFor: (argv: readonly string[]) => Promise<SandboxSpec>, cgroup: RunCgroup | null, drainMs: number): Promise<string | null> {
  try {
    if (cgroup) {
      const deadline = Date.now() + drainMs;
      while ((await cgroup.processes()) > 0) {
        if (Date.now() > deadline) return null; // something of the run's is still there: no report
        await sleep(25);
      }
    }
    const child = spawnSandbox(buildSandboxCommand(await specFor(probe.argv)));
    child.stdin!.end();
    return await new Promise<string | null>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      const kill = () => {
        failed = true;
        try {
          process.kill(-(child.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(kill, probe.wallMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > probe.outputBytes) return kill();
        chunks.push(chunk);
      });
      child.stderr!.resume();
      child.on('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(failed || code !== 0 ? null : Buffer.concat(chunks).toString('utf8'));
      });
    });
  } catch (error) {
    console.error('[sandbox] probe failed', error);
    return null;
  }
}
