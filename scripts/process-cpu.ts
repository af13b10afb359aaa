import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The machine's busy CPU time so far, in seconds of one core (all cores summed). */
export function machineBusySeconds(): number {
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * CPU seconds (user + system) the live processes of each part have used so far, a part being
 * the processes whose command line it matches. Processes that ended are not counted: compare two
 * readings over long-lived processes (the site, the broker, Airflow's), and take the machine's
 * busy time minus these parts as what short-lived ones (sandboxes, DAG children) used.
 */
export function cpuSecondsByPart<Part extends string>(parts: Record<Part, (commandLine: string) => boolean>): Record<Part, number> {
  const totals = Object.fromEntries(Object.keys(parts).map((part) => [part, 0])) as Record<Part, number>;
  for (const line of spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const part = (Object.keys(parts) as Part[]).find((name) => parts[name](match[2]!));
    if (!part) continue;
    const seconds = ownCpuSeconds(Number(match[1]));
    if (seconds !== undefined) totals[part] += seconds;
  }
  return totals;
}

/** utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat), or undefined once it is gone. */
function ownCpuSeconds(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
