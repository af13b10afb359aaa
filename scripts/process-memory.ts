import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { processTable, type ProcessRow } from './process-table';

/**
 * Memory of a whole process tree, for the benchmarks. RSS summed over processes counts every
 * shared page once per process: the DAG worker's forked children share most of their pages with
 * their zygote (copy on write), so a sum of RSS overstates what the machine gives them. PSS
 * (proportional set size) splits each shared page between its sharers, so a sum of PSS is the
 * tree's real share of memory.
 */
export interface TreeMemory {
  readonly processes: number;
  /** Sum of RSS, MB (shared pages counted once per process). */
  readonly rssMb: number;
  /** Sum of PSS, MB (shared pages split between their sharers). */
  readonly pssMb: number;
}

/** `rootPid` and every descendant, from the process table and /proc/<pid>/smaps_rollup (needs root for other uids). */
export function treeMemory(rootPid: number, table: ProcessRow[] = processTable()): TreeMemory {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const inTree = new Set<number>();
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (inTree.has(pid)) continue;
    inTree.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  let rssKb = 0;
  let pssKb = 0;
  for (const { pid, rssKb: rss } of table) {
    if (!inTree.has(pid)) continue;
    rssKb += rss;
    pssKb += pssKbOf(pid) ?? rss;
  }
  return { processes: inTree.size, rssMb: rssKb / 1024, pssMb: pssKb / 1024 };
}

function pssKbOf(pid: number): number | undefined {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined; // ended between ps and the read
  }
}

/** The largest tree memory seen since the last reset, and how many samples it was taken from. */
export interface TreeMemoryWatch {
  peak(): { memory: TreeMemory | undefined; samples: number };
  reset(): void;
  stop(): void;
}

/**
 * Samples treeMemory(rootPid) every second from a child process under SCHED_IDLE (chrt --idle),
 * so the sampling never takes a core from what it measures: smaps_rollup walks every page table
 * of the tree (~40 processes, most of them Python processes of ~180 MB that fork), and from the
 * bench's own process it cost ~0.07 of a core during a burst of 40 (perf: smaps_account 3 % of
 * the machine's samples) while the bench timed runs on the same two cores. When both cores are
 * busy a sample waits for one to go idle: the count of samples says how dense the watch was.
 */
export function watchTreeMemory(rootPid: number): TreeMemoryWatch {
  const child = spawn('chrt', ['--idle', '0', process.execPath, ...process.execArgv, path.join(import.meta.dirname, 'tree-memory-child.ts'), String(rootPid)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill()); // however the bench ends
  let memory: TreeMemory | undefined;
  let samples = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const sample = JSON.parse(line) as TreeMemory;
    samples += 1;
    if (!memory || sample.pssMb > memory.pssMb) memory = sample;
  });
  return {
    peak: () => ({ memory, samples }),
    reset: () => {
      memory = undefined;
      samples = 0;
    },
    stop: () => child.kill(),
  };
}
