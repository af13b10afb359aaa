import fs from 'node:fs';
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
