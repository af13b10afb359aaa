/**
 * `npm run bench:hadoop`: what the embedded Hadoop costs on this machine (figures, not a test).
 *   1. cold start: a new lab folder, from the jars (Maven, from ~/.m2 when it is warm) through the
 *      NameNode's format to every component healthy; then warm: the same folder started again.
 *   2. RSS of each daemon idle (VmRSS from /proc, 45 s after healthy) and its CPU over the last 30 s.
 *   3. wordcount (hadoop-mapreduce-examples) on a 10 MB file, end to end as the lab runs it for
 *      a student: home created, file put, job on YARN as the student, result read back.
 *   4. through the shell kind, as a student types it: `hdfs dfs -ls` 20 times (p50/p95 of the whole
 *      run: sandbox, JVM, WebHDFS through the gated relay), one client JVM's peak RSS and address
 *      space, and the 10 MB wordcount (`yarn jar` via the trusted gateway) from a script, end to end.
 * Its own port block (3320… when free) and temp folder: it runs beside a developer's lab.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HadoopCluster, runHadoopJava } from '../lab/hadoop/cluster';
import type { HadoopComponent } from '../lab/hadoop/daemon';
import { runExample } from '../lab/hadoop/jobs';
import { freePortBlock } from '../lab/hadoop/test-helpers';
import { Supervisor } from '../lab/supervisor';
import { SHELL_HADOOP_LIMITS, SHELL_HADOOP_WALL_MS, SHELL_TMPFS_MB } from '../lib/limits';
import { prepareHadoopShell } from '../lib/runs/shell/hadoop';
import { SandboxHost } from '../lib/sandbox/host';
import { runShell } from '../lib/sandbox/shell';

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

    await throughShellKind(dir, cluster);
  } finally {
    await supervisor?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** 4. The same cluster as a shell run's sandbox reaches it (lib/runs/shell/hadoop.ts). */
async function throughShellKind(dir: string, cluster: HadoopCluster): Promise<void> {
  chmodSync(dir, 0o755); // the sandbox's uid reads the client folder under it
  symlinkSync(cluster.paths.libsDir, path.join(dir, 'hadoop', 'libs'));
  Object.assign(process.env, {
    CAUCE_LAB_DIR: dir,
    CAUCE_HADOOP_MODE: 'embedded',
    CAUCE_HADOOP_NAMENODE_URL: cluster.endpoints.namenodeUrl,
    CAUCE_HADOOP_RM_URL: cluster.endpoints.resourcemanagerUrl,
  });
  const host = new SandboxHost({ firstUid: 62_480, concurrency: 1, root: '/run/cauce-sandbox-bench-hadoop', tmpfsMb: SHELL_TMPFS_MB });
  const shell = async (script: string) => {
    const hadoop = await prepareHadoopShell(
      'alumno_bench',
      () => undefined,
      () => undefined,
    );
    let stdout = '';
    const began = Date.now();
    try {
      const result = await runShell(
        { files: [{ name: 'bench.sh', content: script }], entry: 'bench.sh', limits: { ...SHELL_HADOOP_LIMITS, wallMs: SHELL_HADOOP_WALL_MS['to-end'] }, ...hadoop },
        (o) => (stdout += o.stream === 'stdout' ? o.text : ''),
        host,
      );
      if (result.reason !== 'finished' || result.exitCode !== 0) throw new Error(`${result.reason} ${result.exitCode}: ${stdout.slice(-2000)}`);
      return { ms: Date.now() - began, stdout };
    } finally {
      hadoop.dispose();
    }
  };
  const times: number[] = [];
  for (let i = 0; i < 20; i += 1) times.push((await shell('hdfs dfs -ls')).ms);
  times.sort((a, b) => a - b);
  console.log(
    `\nhdfs dfs -ls por el tipo shell (20 ejecuciones, la ejecución entera): p50 ${seconds(percentile(times, 50))}, p95 ${seconds(percentile(times, 95))}, mín ${seconds(times[0]!)}, máx ${seconds(times.at(-1)!)}`,
  );
  // One client JVM sampled while it runs: the wrapper execs java, so its pid is the JVM's. (grep
  // and bash's own expansions: awk is a Debian alternatives link into /etc, not in the sandbox.)
  const sampled = await shell(
    'hdfs dfs -ls / >/dev/null & p=$!; hwm=0; peak=0\n' +
      'while kill -0 $p 2>/dev/null; do h=$(grep VmHWM /proc/$p/status 2>/dev/null); v=$(grep VmPeak /proc/$p/status 2>/dev/null); h=${h//[!0-9]/}; v=${v//[!0-9]/}; [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h; [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v; sleep 0.02; done\n' +
      'echo "hwm=$hwm peak=$peak"',
  );
  const [, hwm, peak] = /hwm=(\d+) peak=(\d+)/.exec(sampled.stdout) ?? [];
  console.log(`  un cliente hdfs (JVM) en el sandbox: RSS máximo ${(Number(hwm) / 1024).toFixed(0)} MB, espacio de direcciones máximo ${(Number(peak) / 1024).toFixed(0)} MB`);
  const wordcount = await shell(
    [
      'for i in $(seq 130000); do echo "hadoop hdfs yarn mapreduce cauce datos nodo bloque ambari kafka airflow réplica"; done > /tmp/entrada.txt # ~10 MB',
      'hdfs dfs -put -f /tmp/entrada.txt entrada-shell.txt',
      'hdfs dfs -rm -r -f -skipTrash conteo-shell >/dev/null',
      'yarn jar $HADOOP_HOME/share/hadoop/mapreduce/hadoop-mapreduce-examples-3.4.2.jar wordcount entrada-shell.txt conteo-shell >/dev/null',
      'hdfs dfs -cat conteo-shell/part-r-00000 | head -3',
    ].join('\n'),
  );
  console.log(
    `wordcount de 10 MB por el tipo shell (generar, put, yarn jar, cat): ${seconds(wordcount.ms)} de extremo a extremo; ${wordcount.stdout.trim().split('\n').join(', ')}`,
  );
  host.relays.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
