import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One memory and process budget for a run's whole process tree. Per-process rlimits do not
 * bound a tree (four forked children each under RLIMIT_AS still add up); a cgroup does.
 *
 * Each sandbox uid gets its own cgroup, created once under the cgroup the site itself runs
 * in (never moving the site out of it), and every run in that uid joins it before anything
 * of the run starts (see command.ts). cgroup v2 where the host delegates its controllers,
 * v1 `memory` + `pids` hierarchies otherwise; without either, runs keep their rlimits and the
 * server says so once.
 */
export interface RunBudget {
  /** Memory of the whole tree in MB (page cache and tmpfs writes included). */
  memoryMb: number;
  /** Tasks (processes and threads) of the whole tree. */
  processes: number;
  /**
   * Share of the cores when runs compete for them, on cgroup v2's `cpu.weight` scale (100 is an
   * ordinary group; v1's `cpu.shares` is scaled from it). The figures and their reason live in
   * lib/limits.ts (`CPU_WEIGHT`). @default 100
   */
  cpuWeight?: number;
}

/** v1's `cpu` hierarchy is optional: without it runs share the cores as ordinary processes. */
type Layout = { version: 2; base: string } | { version: 1; memory: string; pids: string; cpu?: string };

export interface RunCgroup {
  /** `cgroup.procs` files the run's first process writes its pid to. */
  procs: string[];
  /** OOM kills inside this cgroup so far (compare before and after a run). */
  oomKills(): Promise<number>;
  /** Forks refused by the task budget (pids.max) so far: a fork bomb's mark, read by the kernel, not from output. */
  processLimitHits(): Promise<number>;
  /**
   * Processes in the cgroup now (cgroup.procs): 0 once everything of a run has exited. Zombies
   * not yet reaped by the host's init are not listed (they still count in pids.current, for
   * about a second in a container whose init reaps lazily), and they can do nothing.
   */
  processes(): Promise<number>;
}

const ROOT = '/sys/fs/cgroup';
const GROUP = 'cauce-sandbox';
const MB = 1024 * 1024;

let layout: Promise<Layout | null> | undefined;
let warned = false;

/** The host's cgroup layout, probed once per process; null when nothing is writable. */
export function cgroupLayout(): Promise<Layout | null> {
  layout ??= probe().catch((error: unknown) => {
    if (!warned) console.warn('[sandbox] no writable cgroup: runs are bounded by rlimits only, not one budget per run', error);
    warned = true;
    return null;
  });
  return layout;
}

/** Creates (once) and sets the budget of `uid`'s cgroup; null when the host has no cgroups for us. */
export async function runCgroup(uid: number, budget: RunBudget): Promise<RunCgroup | null> {
  const found = await cgroupLayout();
  if (!found) return null;
  const name = `uid-${uid}`;
  if (found.version === 2) {
    const dir = path.join(found.base, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'memory.max'), String(budget.memoryMb * MB));
    await writeIfPresent(path.join(dir, 'memory.swap.max'), '0');
    await writeFile(path.join(dir, 'pids.max'), String(budget.processes));
    await writeIfPresent(path.join(dir, 'cpu.weight'), String(budget.cpuWeight ?? DEFAULT_CPU_WEIGHT));
    return {
      procs: [path.join(dir, 'cgroup.procs')],
      oomKills: () => counter(path.join(dir, 'memory.events'), 'oom_kill'),
      processLimitHits: () => counter(path.join(dir, 'pids.events'), 'max'),
      processes: () => listed(path.join(dir, 'cgroup.procs')),
    };
  }
  const memory = path.join(found.memory, name);
  const pids = path.join(found.pids, name);
  await Promise.all([mkdir(memory, { recursive: true }), mkdir(pids, { recursive: true })]);
  // memsw (memory + swap) must never be below the memory limit: set memory first when raising.
  await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(budget.memoryMb * MB)).catch(async () => {
    await writeIfPresent(path.join(memory, 'memory.memsw.limit_in_bytes'), String(budget.memoryMb * MB));
    await writeFile(path.join(memory, 'memory.limit_in_bytes'), String(budget.memoryMb * MB));
  });
  await writeIfPresent(path.join(memory, 'memory.memsw.limit_in_bytes'), String(budget.memoryMb * MB));
  await writeFile(path.join(pids, 'pids.max'), String(budget.processes));
  const procs = [path.join(memory, 'cgroup.procs'), path.join(pids, 'cgroup.procs')];
  if (found.cpu) {
    const cpu = path.join(found.cpu, name);
    await mkdir(cpu, { recursive: true });
    await writeFile(path.join(cpu, 'cpu.shares'), String(v1Shares(budget.cpuWeight ?? DEFAULT_CPU_WEIGHT)));
    procs.push(path.join(cpu, 'cgroup.procs'));
  }
  return {
    procs,
    oomKills: () => counter(path.join(memory, 'memory.oom_control'), 'oom_kill'),
    processLimitHits: () => counter(path.join(pids, 'pids.events'), 'max'),
    processes: () => listed(path.join(pids, 'cgroup.procs')),
  };
}

async function probe(): Promise<Layout> {
  const self = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  const v1 = (controller: string) => self.map((l) => l.split(':')).find(([, list]) => list?.split(',').includes(controller))?.[2];
  const memoryPath = v1('memory');
  const pidsPath = v1('pids');
  if (memoryPath !== undefined && pidsPath !== undefined && existsSync(`${ROOT}/memory`) && existsSync(`${ROOT}/pids`)) {
    const memory = path.join(ROOT, 'memory', memoryPath, GROUP);
    const pids = path.join(ROOT, 'pids', pidsPath, GROUP);
    await Promise.all([mkdir(memory, { recursive: true }), mkdir(pids, { recursive: true })]);
    const cpuPath = v1('cpu');
    const cpu = cpuPath !== undefined && existsSync(`${ROOT}/cpu`) ? path.join(ROOT, 'cpu', cpuPath, GROUP) : undefined;
    const cpuUsable =
      cpu !== undefined &&
      (await mkdir(cpu, { recursive: true }).then(
        () => true,
        () => false,
      ));
    return { version: 1, memory, pids, cpu: cpuUsable ? cpu : undefined };
  }
  const unified = self.find((l) => l.startsWith('0::'))?.slice(3);
  if (unified !== undefined && existsSync(`${ROOT}/cgroup.controllers`)) {
    // v2: controllers must be enabled in every ancestor's subtree_control. The site's own
    // cgroup holds processes, so on v2 this works where the site runs in a delegated leaf
    // whose parent lets us (systemd's Delegate=yes) or at the root.
    const base = path.join(ROOT, unified, GROUP);
    await mkdir(base, { recursive: true });
    await writeFile(path.join(ROOT, unified, 'cgroup.subtree_control'), '+memory +pids').catch(() => undefined);
    await writeFile(path.join(base, 'cgroup.subtree_control'), '+memory +pids');
    // cpu is optional: a host that does not delegate it still gets budgets, without weights.
    await writeFile(path.join(ROOT, unified, 'cgroup.subtree_control'), '+cpu').catch(() => undefined);
    await writeFile(path.join(base, 'cgroup.subtree_control'), '+cpu').catch(() => undefined);
    return { version: 2, base };
  }
  throw new Error('neither cgroup v1 memory+pids nor cgroup v2 is mounted');
}

const DEFAULT_CPU_WEIGHT = 100;

/** v2's weight (1–10000, 100 ordinary) as v1's shares (2–262144, 1024 ordinary). */
function v1Shares(weight: number): number {
  return Math.max(2, Math.round((weight * 1024) / 100));
}

async function writeIfPresent(file: string, value: string): Promise<void> {
  if (existsSync(file)) await writeFile(file, value);
}

async function counter(file: string, key: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(new RegExp(`^${key} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

async function listed(file: string): Promise<number> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}
