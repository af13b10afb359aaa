import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;
const PAGE_KB = 4;

/** One live process, as /proc shows it. */
export interface ProcessRow {
  pid: number;
  ppid: number;
  /** Resident set, kB. */
  rssKb: number;
  /** Its own user + system CPU so far, s. */
  cpuSeconds: number;
  /** Its command line, arguments joined by spaces. */
  args: string;
}

/**
 * Every live process, read from /proc directly. The benchmarks sample this every second while
 * a class runs on the same two cores: three `ps` spawns a second from the bench's node (a fork
 * of a large process each) took CPU from the server they measure.
 */
export function processTable(): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command's closing parenthesis: state, ppid, …, utime (11), stime (12), …, rss (21).
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      rows.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        rssKb: Number(fields[21]) * PAGE_KB,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
        args,
      });
    } catch {
      // ended while we looked
    }
  }
  return rows;
}
