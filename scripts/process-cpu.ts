import fs from 'node:fs';
import { processTable, TICKS_PER_SECOND, type ProcessRow } from './process-table';

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
export function cpuSecondsByPart<Part extends string>(parts: Record<Part, (commandLine: string) => boolean>, table: ProcessRow[] = processTable()): Record<Part, number> {
  const totals = Object.fromEntries(Object.keys(parts).map((part) => [part, 0])) as Record<Part, number>;
  for (const row of table) {
    const part = (Object.keys(parts) as Part[]).find((name) => parts[name](row.args));
    if (part) totals[part] += row.cpuSeconds;
  }
  return totals;
}
