/**
 * `npm run bench:hadoop`: what the embedded Hadoop costs on this machine (figures, not a test).
 *   1. cold start: a new lab folder, from the jars (Maven, from ~/.m2 when it is warm) through the
 *      NameNode's format to every component healthy; then warm: the same folder started again.
 *   2. RSS of each daemon idle (VmRSS from /proc, 45 s after healthy) and its CPU over the last 30 s.
 *   3. wordcount (hadoop-mapreduce-examples) on a 10 MB file, end to end as the lab runs it for
 *      a student: home created, file put, job on YARN as the student, result read back.
 * Its own port block (3320… when free) and temp folder: it runs beside a developer's lab.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HadoopCluster, runHadoopJava } from '../lab/hadoop/cluster';
import type { HadoopComponent } from '../lab/hadoop/daemon';
import { runExample } from '../lab/hadoop/jobs';
import { freePortBlock } from '../lab/hadoop/test-helpers';
import { Supervisor } from '../lab/supervisor';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const WORDS = ['hadoop', 'hdfs', 'yarn', 'mapreduce', 'cauce', 'datos', 'nodo', 'bloque', 'ambari', 'kafka', 'airflow', 'réplica'];

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function tenMegabytes(file: string): number {
  const lines: string[] = [];
  let size = 0;
  let seed = 7;
  while (size < 10 * 1024 * 1024) {
    const words = Array.from({ length: 12 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return WORDS[(seed >>> 16) % WORDS.length]!;
    });
    const line = `${words.join(' ')}\n`;
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  writeFileSync(file, lines.join(''));
  return size;
}

async function start(cluster: HadoopCluster): Promise<{ supervisor: Supervisor; prepareMs: number; totalMs: number; formatted: boolean }> {
  const began = Date.now();
  const { formatted } = await cluster.prepare();
  const prepareMs = Date.now() - began;
  const supervisor = new Supervisor(cluster, { log: () => undefined, healthTimeoutMs: 300_000 });
  await supervisor.start();
  return { supervisor, prepareMs, totalMs: Date.now() - began, formatted };
}

async function main(): Promise<void> {
  const port = await freePortBlock();
  const dir = mkdtempSync(path.join(tmpdir(), 'cauce-bench-hadoop-'));
  const stateDir = path.join(dir, 'hadoop');
  const libsDir = path.join(dir, 'libs');
  console.log(`Hadoop en ${dir}, puertos ${port}–${port + 13}\n`);
  let supervisor: Supervisor | undefined;
  try {
    // 1. Cold: jars copied by Maven into an empty folder, format, start.
    let cluster = new HadoopCluster({ port, stateDir, libsDir });
    const cold = await start(cluster);
    supervisor = cold.supervisor;
    console.log(`Arranque en frío: ${seconds(cold.totalMs)} (jars + configuración + formato: ${seconds(cold.prepareMs)}; formateado: ${cold.formatted})`);

    // 2. RSS idle, and the CPU the idle daemons use (heartbeats, health checkers) over 30 s.
    await sleep(15_000);
    const pids = Object.entries(cluster.pids) as [HadoopComponent, number][];
    const cpuBefore = pids.map(([, pid]) => cpuSeconds(pid));
    await sleep(30_000);
    let total = 0;
    for (const [index, [component, pid]] of pids.entries()) {
      const mb = rssMb(pid);
      total += mb;
      const cpu = (100 * (cpuSeconds(pid) - cpuBefore[index]!)) / 30;
      console.log(`  en reposo ${component.padEnd(15)} RSS ${mb.toFixed(0)} MB, CPU ${cpu.toFixed(1)} %`);
    }
    console.log(`  en reposo, los cuatro          RSS ${total.toFixed(0)} MB`);

    // Warm: the same folder again (jars there, HDFS formatted).
    await supervisor.stop();
    cluster = new HadoopCluster({ port, stateDir, libsDir });
    const warm = await start(cluster);
    supervisor = warm.supervisor;
    console.log(`Arranque en caliente: ${seconds(warm.totalMs)} (preparación: ${seconds(warm.prepareMs)}; formateado: ${warm.formatted})`);

    // 3. wordcount on 10 MB, as a student.
    const user = 'alumno_bench';
    const local = path.join(dir, 'entrada.txt');
    const bytes = tenMegabytes(local);
    const began = Date.now();
    const home = await cluster.webHdfs.ensureHome(user);
    const put = await runHadoopJava(cluster.paths, 'org.apache.hadoop.fs.FsShell', ['-put', local, `${home}/entrada.txt`], { user, quiet: true });
    if (put.code !== 0) throw new Error(put.output);
    const putMs = Date.now() - began;
    let lastProgress = '';
    const job = await runExample(cluster.paths, 'wordcount', [`${home}/entrada.txt`, `${home}/conteo`], {
      user,
      onProgress: ({ map, reduce }) => {
        const line = `map ${map}% reduce ${reduce}%`;
        if (line !== lastProgress) console.log(`  ${line}`);
        lastProgress = line;
      },
    });
    if (!job.ok) throw new Error(job.output.split('\n').slice(-20).join('\n'));
    const jobMs = Date.now() - began - putMs;
    const read = await runHadoopJava(cluster.paths, 'org.apache.hadoop.fs.FsShell', ['-cat', `${home}/conteo/part-r-00000`], { user, quiet: true });
    const totalMs = Date.now() - began;
    const counts = read.output.trim().split('\n');
    console.log(
      `wordcount de ${(bytes / 1024 / 1024).toFixed(1)} MB como ${user}: ${seconds(totalMs)} de extremo a extremo ` +
        `(put ${seconds(putMs)}, trabajo ${job.jobId ?? ''} ${seconds(jobMs)}, lectura ${seconds(totalMs - putMs - jobMs)}); ${counts.length} palabras distintas, p. ej. «${counts[0]}»`,
    );
  } finally {
    await supervisor?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
