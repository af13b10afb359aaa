/**
 * Every limit a student can run into, written once, each with its figure and the reason for it
 * (STYLE.md §12: a limit written twice drifts). Grouped by where a run meets it: the request,
 * the sandbox of each kind, Airflow, Kafka, the queue and the per-student quota.
 *
 * The code that enforces a limit stays with its concern (lib/runs/start.ts, lib/sandbox/run.ts,
 * lab/kafka/limits.ts hands the Kafka numbers to the broker...) and takes the number from here.
 * This module has no runtime imports, so every layer may read it, the lab's own code included.
 *
 * Kept elsewhere, each for a reason: the record text cap of the two Kafka shims (300 characters,
 * plain JavaScript and Python inside the sandbox); the request body caps (lib/http/limits.mjs, plain
 * JavaScript that next.config.mjs and the front door load before any TypeScript; its spec keeps
 * them above {@link MAX_RUN_BYTES}); the queue's own numbers (lib/runs/queue.ts, registry.ts);
 * sign-in and session limits (lib/auth); the caps the DAG worker puts on what it reports
 * (lab/airflow/worker, Python).
 */
import type { Runs } from '@/lib/content/remark-runnable';
import type { SnippetKind } from '@/lib/content/schema';
import type { RunBudget } from '@/lib/sandbox/cgroup';

const KiB = 1024;
const MiB = 1024 * KiB;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

// ─── The request: what one run may send ──────────────────────────────────────────────────────

/**
 * Total size of a run's code (all files, UTF-8): 64 KB. A lesson's example is a few KB; this
 * leaves room for a student's edits while bounding what is transpiled, parsed and stored.
 * startRun refuses more with a 413 before it parses anything, the sandbox checks it again,
 * and saved edits are held to it.
 */
export const MAX_RUN_BYTES = 64 * KiB;

/**
 * Files in one run: 8. An example has an entry and a helper or two (a DAG file and its
 * operator module); every file is one more editor tab and one more module in the sandbox.
 */
export const MAX_RUN_FILES = 8;

// ─── The sandbox of a kafka-ts run ───────────────────────────────────────────────────────────

/**
 * Resource limits of one sandboxed kafka-ts run. Lesson authors may tighten or loosen them per
 * exercise; students never choose them.
 */
export interface SandboxLimits {
  /** Wall-clock time before the whole sandbox is killed (reason `timeout`). @default 30_000 */
  wallMs: number;
  /**
   * CPU seconds (RLIMIT_CPU). The soft limit sends SIGXCPU; the hard limit, one second later,
   * sends SIGKILL so a program that catches SIGXCPU still ends. @default 10
   */
  cpuSeconds: number;
  /**
   * The program's memory in MB. The run's cgroup holds its whole tree to this plus
   * {@link TREE_MEMORY_HEADROOM_MB} (node itself, buffers, files in /tmp); RLIMIT_AS is this plus
   * {@link ADDRESS_SPACE_HEADROOM_MB}, because V8 reserves far more address space than it
   * touches, and catches native (Buffer) allocations. On a host without cgroups it is also
   * V8's old-space cap (`--max-old-space-size`; why only there: lib/sandbox/kinds/node.ts). @default 256
   */
  memoryMb: number;
  /**
   * RLIMIT_NPROC for the run's own uid. Linux counts threads here: Node alone uses ~11 and
   * bwrap 2, so this is a thread budget; process creation is refused earlier by Node's
   * permission model and by the sandbox having no executables besides node. @default 32
   */
  processes: number;
  /** RLIMIT_NOFILE: open descriptors (sockets to the brokers included). @default 128 */
  openFiles: number;
  /** RLIMIT_FSIZE in MB: largest file the program may write under /tmp. @default 8 */
  fileSizeMb: number;
  /**
   * Bytes of stdout + stderr passed on before the run is killed (reason `output-limit`); the
   * kafkajs shim's record lines do not count (they have {@link MAX_RECORDS_PER_RUN}). @default 1_048_576
   */
  outputBytes: number;
}

/**
 * The wall clock of a kafka-ts run, from what its example's author declares (`runs` on the
 * `<Runnable>`, lib/content/runnables.ts), never from the student's code. A producer finishes
 * on its own within seconds: 30 s. A consumer runs until "Detener": 2 minutes to watch messages
 * arrive, and no longer, because it holds one of the few run slots meanwhile.
 */
export const KAFKA_RUN_WALL_MS: Readonly<Record<Runs, number>> = Object.freeze({
  'to-end': 30_000,
  'until-stopped': 120_000,
});

export const DEFAULT_KAFKA_TS_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: KAFKA_RUN_WALL_MS['to-end'],
  cpuSeconds: 10,
  memoryMb: 256,
  processes: 32,
  openFiles: 128,
  fileSizeMb: 8,
  outputBytes: 1 * MiB,
});

/** Address space granted beyond the V8 heap: Node 20 maps ~760 MB of virtual memory at start. */
export const ADDRESS_SPACE_HEADROOM_MB = 1024;

/**
 * Memory of a kafka-ts run's whole tree beyond the program's `memoryMb`: node's own RSS
 * (~45 MB), its buffers and what the program writes to its tmpfs /tmp. The cgroup enforces
 * `memoryMb` + this.
 */
export const TREE_MEMORY_HEADROOM_MB = 256;

/** Tasks beyond the program's own: bwrap's outer and inner processes. */
export const TREE_PROCESS_HEADROOM = 4;

/**
 * After "Detener", 2.5 s for the program to leave its consumer groups before it is killed, so
 * the group's next rebalance is not blocked waiting for a member that is gone.
 */
export const STOP_GRACE_MS = 2_500;

/**
 * Records one kafka-ts run reports as record events: 10,000. Each is a box in the picture and
 * a row of the table, replayed on reload (their events count in {@link MAX_BUFFERED_EVENTS});
 * 10,000 shows every lesson's and exercise's messages with room to spare. Past it records are
 * still counted, per partition, and the picture ends with "y 20.000 mensajes más…". They never
 * counted against `outputBytes`: an ordinary producer of 30,000 messages is not a flood.
 */
export const MAX_RECORDS_PER_RUN = 10_000;

/** How often a run past {@link MAX_RECORDS_PER_RUN} tells the page its counts, while it runs: 1 s. */
export const RECORD_SUMMARY_INTERVAL_MS = 1_000;

/** Longest piece of output sent at once, 8 K characters: a 10 MB line without `\n` must not become one huge event. */
export const MAX_CHUNK_CHARS = 8 * KiB;

/**
 * Events one run keeps for its page (replayed on reload): 20,000. Past it, stdout/stderr lines
 * are dropped (the sandbox caps bytes too); records, states and the exit are always kept.
 */
export const MAX_BUFFERED_EVENTS = 20_000;

/** The per-process rlimits every sandbox sets (prlimit), whatever runs inside. */
export interface ProcessLimits {
  /** RLIMIT_CPU seconds; the hard limit one second later sends SIGKILL. */
  cpuSeconds: number;
  /** RLIMIT_AS in MB. */
  addressSpaceMb: number;
  /** RLIMIT_NPROC for the slot's uid (Linux counts threads and zombies). */
  processes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_FSIZE in MB. */
  fileSizeMb: number;
}

/** The rlimits out of a kind's limits that carry them by name (DAG workers, scheduler tasks). */
export function pickProcessLimits(limits: ProcessLimits): ProcessLimits {
  const { cpuSeconds, addressSpaceMb, processes, openFiles, fileSizeMb } = limits;
  return { cpuSeconds, addressSpaceMb, processes, openFiles, fileSizeMb };
}

/** The rlimits of a kafka-ts run. */
export function processLimitsOf(limits: SandboxLimits): ProcessLimits {
  return {
    cpuSeconds: limits.cpuSeconds,
    addressSpaceMb: limits.memoryMb + ADDRESS_SPACE_HEADROOM_MB,
    processes: limits.processes,
    openFiles: limits.openFiles,
    fileSizeMb: limits.fileSizeMb,
  };
}

/**
 * How the cores are shared when runs compete for them: the weight of each run's cgroup, on
 * cgroup v2's `cpu.weight` scale (100 is an ordinary group; v1's `cpu.shares` is scaled from
 * it). Only the ratio matters, and only while the CPU is saturated (a class clicking at once):
 * an idle machine gives any run all it asks for.
 * - `interactive` (kafka-ts, shell): short runs that mostly wait on the broker; a producer needs about
 *   0.2 CPU-seconds. A student is watching the page for its first line.
 * - `batch` (DAG workers, scheduler task and parse tries): CPU-bound for seconds (about 2.6
 *   CPU-seconds for test_print_values).
 * At 8:1, forty producers in a burst no longer wait behind the DAGs' CPU, and each DAG loses
 * only the little CPU the short runs take.
 */
export const CPU_WEIGHT = Object.freeze({ interactive: 400, batch: 50 });

/**
 * The whole-tree budget of an interactive run (kafka-ts, shell, kafka-py): its limits, plus
 * bwrap's own processes ({@link TREE_PROCESS_HEADROOM}) and `memoryHeadroomMb` over the memory
 * limit for what the program's own figure does not count (kafka-ts's node and /tmp, {@link treeBudgetOf}).
 */
export function treeBudget(limits: SandboxLimits, memoryHeadroomMb = 0): RunBudget {
  return { memoryMb: limits.memoryMb + memoryHeadroomMb, processes: limits.processes + TREE_PROCESS_HEADROOM, cpuWeight: CPU_WEIGHT.interactive };
}

/** The whole-tree budget of a kafka-ts run: its memory limit plus {@link TREE_MEMORY_HEADROOM_MB}. */
export function treeBudgetOf(limits: SandboxLimits): RunBudget {
  return treeBudget(limits, TREE_MEMORY_HEADROOM_MB);
}

/**
 * Merges lesson overrides over a kind's defaults (kafka-ts's unless told) and rejects values
 * that would disable a limit.
 */
export function resolveLimits(overrides: Partial<SandboxLimits> = {}, defaults: Readonly<SandboxLimits> = DEFAULT_KAFKA_TS_LIMITS): SandboxLimits {
  const limits: SandboxLimits = { ...defaults };
  for (const [key, value] of Object.entries(overrides) as [keyof SandboxLimits, unknown][]) {
    if (!(key in defaults)) throw new RangeError(`Límite desconocido: ${String(key)}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new RangeError(`El límite ${key} debe ser un entero positivo (recibido ${String(value)})`);
    }
    limits[key] = value;
  }
  return limits;
}

// ─── The sandbox of a shell run (bash and the usual tools) ───────────────────────────────────

/**
 * The wall clock of a shell run, from its example's declared `runs`, never from its code. The
 * prerequisite checks finish in well under a second (ssh's refused connection included); 30 s
 * leaves room for a slow `ssh -o ConnectTimeout` or, later, a Hadoop client's JVM start-up.
 * `until-stopped` (a `tail -f`, a `watch`): 2 minutes, like a Kafka consumer, for the same reason.
 */
export const SHELL_RUN_WALL_MS: Readonly<Record<Runs, number>> = Object.freeze({
  'to-end': 30_000,
  'until-stopped': 120_000,
});

/**
 * Limits of one shell run. The fields are {@link SandboxLimits}', read for bash: `memoryMb` is
 * the whole tree's memory (one cgroup; bash, coreutils and ssh use a few MB each, and what the
 * script writes to its tmpfs /tmp is charged here too), `processes` the tree's task budget (a
 * pipeline of five commands is five tasks; a fork bomb meets it at once).
 */
export const DEFAULT_SHELL_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: SHELL_RUN_WALL_MS['to-end'],
  /** A script of checks uses milliseconds of CPU; an endless loop is stopped after 10 s. */
  cpuSeconds: 10,
  memoryMb: 256,
  processes: 64,
  /**
   * RLIMIT_NOFILE, soft and hard: 1,024, the usual default of a Linux login. The lesson's own
   * check reads it (`ulimit -Sn`/`-Hn`) and reports honestly that the lab's sandbox is below
   * the article's 10,000: the lab does not pretend to be a tuned Hadoop node.
   */
  openFiles: 1024,
  /** RLIMIT_FSIZE: a key pair or a sample file is kilobytes; a `dd` of 1 GB stops at 16 MB with SIGXFSZ. */
  fileSizeMb: 16,
  /** stdout + stderr passed on before the run is killed (reason `output-limit`): `yes` meets it in milliseconds. */
  outputBytes: 1 * MiB,
});

/**
 * RLIMIT_AS of each process of a shell run: 1 GB. bash and coreutils map a few MB; ssh about
 * 20 MB. The tree's real bound is {@link DEFAULT_SHELL_LIMITS}' memoryMb (the cgroup); this
 * only stops one process from reserving the machine. A Hadoop client (a JVM) has its own: {@link SHELL_HADOOP_ADDRESS_SPACE_MB}.
 */
export const SHELL_ADDRESS_SPACE_MB = 1024;

/**
 * RLIMIT_NPROC beyond the tree's task budget. The cgroup's pids.max refuses the fork first, and
 * the run sees it (pids.events) and ends with `process-limit` at once, instead of a fork bomb
 * retrying until the wall clock; the rlimit is the backstop on a host without cgroups.
 */
export const SHELL_NPROC_HEADROOM = 8;

/**
 * Size of each shell slot's tmpfs (the script's files and its /tmp) in MB: 64. Four 16 MB
 * files fill it; a loop of small writes meets "No space left on device" and ends `file-limit`.
 */
export const SHELL_TMPFS_MB = 64;

/**
 * The server's own probe after a student's script (the prerequisite table): one bash of
 * read-only checks in the same sandbox. It takes ~50 ms; 5 s is the backstop of a hung check
 * (an ssh that would wait), 16 KB of report the most it may send.
 */
export const SHELL_PROBE_WALL_MS = 5_000;
export const SHELL_PROBE_OUTPUT_BYTES = 16 * KiB;

/**
 * A shell run that uses the lab's Hadoop (`<Runnable kind="shell" lab="hadoop">`): each `hdfs`,
 * `yarn` or `mapred` command is a JVM (the real client), so the run needs more than bash does.
 * - `wallMs`: a JVM starts in ~1.5 s on this machine, and a wordcount takes ~20 s on YARN; a
 *   lesson's script of five commands and a job fits in 3 minutes with a loaded machine's margin.
 * - `cpuSeconds`: RLIMIT_CPU is per process: one client JVM uses 2–4 CPU-seconds to start.
 * - `memoryMb`: the cgroup, the real bound of the tree: one client JVM peaks at ~125 MB RSS with
 *   the flags below; bash, node's relay parent, curl and two JVMs in a pipeline fit in 640 MB.
 * - `processes`: the tree's tasks, threads included: the client JVM has ~30 threads.
 */
export const SHELL_HADOOP_LIMITS: Readonly<Partial<SandboxLimits>> = Object.freeze({
  cpuSeconds: 30,
  memoryMb: 640,
  processes: 256,
});

/** The wall clock of a Hadoop shell run, by its example's `runs` (see {@link SHELL_HADOOP_LIMITS}). */
export const SHELL_HADOOP_WALL_MS: Readonly<Record<Runs, number>> = Object.freeze({
  'to-end': 180_000,
  'until-stopped': 300_000,
});

/**
 * RLIMIT_AS of each process of a Hadoop shell run: 1.5 GB. A JVM reserves address space it never
 * touches (heap, class space, code cache, thread stacks, malloc arenas): with its defaults on
 * this 24 GB machine (a 6 GB heap, 1 GB of class space, 240 MB of code cache) it would not start
 * under the shell's 1 GB. With {@link HADOOP_CLIENT_JVM}'s flags `hdfs dfs -ls` through WebHDFS
 * peaks at ~600 MB of address space and ~125 MB RSS (`npm run bench:hadoop`); 1.5 GB leaves room
 * for a `-put`'s streams and threads. The memory really used is bounded by the cgroup
 * ({@link SHELL_HADOOP_LIMITS} memoryMb).
 */
export const SHELL_HADOOP_ADDRESS_SPACE_MB = 1536;

/**
 * The sandbox's Hadoop client JVM (lab/hadoop/sandbox-client.ts writes them into its scripts):
 * a 192 MB heap (FsShell needs ~40 MB; a -put streams), the serial collector (no GC threads per
 * core), a 32 MB code cache and 64 MB class space instead of 240 MB and 1 GB of reservations,
 * C1 only (a short command never profits from C2), the JDK's class-data archive (-Xshare:auto,
 * ~0.3 s less start-up), and no perf-data file in /tmp.
 */
export const HADOOP_CLIENT_JVM = Object.freeze({
  heapMb: 192,
  codeCacheMb: 32,
  classSpaceMb: 64,
  metaspaceMb: 128,
  /** glibc malloc arenas: one per thread would reserve 64 MB of address space each. */
  mallocArenas: 2,
});

/**
 * How long a Hadoop shell run waits for the lab's Hadoop to start on demand (cold: ~30 s on a
 * loaded machine, with the HDFS format) before it says, in Spanish, that it could not start.
 */
export const HADOOP_START_WAIT_MS = 150_000;

/**
 * Each student's HDFS home (`/user/<alumno>`) has quotas, set by the lab when it makes the home,
 * as an administrator would with `hdfs dfsadmin -setQuota/-setSpaceQuota`: HDFS is one disk
 * shared by the class, and a loop of `-put` should fill the student's share, not the disk.
 * - `spaceMb`: 512 MB of raw space (the lab keeps one replica, so 512 MB of files): a teragen of
 *   100 MB, its terasort and every lesson's files fit several times; a class of 100 stays at 50 GB.
 * - `names`: 10,000 files and folders, far more than any lesson makes (a job's output is a
 *   handful), bounded so a `touchz` loop cannot grow the NameNode's memory without end.
 */
export const HDFS_HOME_QUOTA = Object.freeze({ spaceMb: 512, names: 10_000 });

/**
 * Sizes of the example programs a student may submit (lab/hadoop/jobs.ts refusedArguments):
 * YARN and HDFS are shared by the class on a 2-core machine (each home has its quota, {@link HDFS_HOME_QUOTA}).
 * - teragen: 1,000,000 rows of 100 bytes = 100 MB, three 32 MB blocks and a terasort of seconds.
 * - pi: 4 maps (YARN fits two 384 MB tasks beside the AM) of 10 million samples each (~5 s).
 */
export const HADOOP_EXAMPLE_LIMITS = Object.freeze({ teragenRows: 1_000_000, piMaps: 4, piSamples: 10_000_000 });

/**
 * One MapReduce job submitted for a sandbox (`yarn jar … wordcount`) by the trusted side:
 * ended after 4 minutes (a wordcount of a lesson's file takes ~20 s).
 */
export const HADOOP_JOB_WALL_MS = 240_000;

/**
 * Job clients the trusted side runs at once (lib/lab/hadoop-jobs.ts): each `yarn jar` is a
 * 256 MB JVM on the lab's side, outside the run's cgroup, and YARN itself fits one job's AM and
 * two tasks (lab/hadoop/config.ts YARN_MEMORY). One per run (a script's `yarn jar … &` twice
 * is refused, not queued) and two in the whole lab (a second class's job waits in ACCEPTED
 * behind the first anyway; a third JVM would only take memory from the 2-core machine).
 */
export const HADOOP_JOBS_IN_FLIGHT = Object.freeze({ perRun: 1, total: 2 });

/**
 * A request of the trusted side to the ResourceManager's REST API (list, status, kill): it
 * answers in milliseconds when it is up; 10 s covers a loaded machine's GC pause without
 * leaving a student's `yarn application -list` (or a job's end) hanging on a stopped one.
 */
export const HADOOP_RM_REQUEST_TIMEOUT_MS = 10_000;

/** The rlimits of a shell run. */
export function shellProcessLimits(limits: SandboxLimits, addressSpaceMb = SHELL_ADDRESS_SPACE_MB): ProcessLimits {
  return {
    cpuSeconds: limits.cpuSeconds,
    addressSpaceMb,
    processes: limits.processes + SHELL_NPROC_HEADROOM,
    openFiles: limits.openFiles,
    fileSizeMb: limits.fileSizeMb,
  };
}

// ─── The sandbox of a kafka-py run (the article's Python client) ─────────────────────────────

/**
 * Limits of one kafka-py run: a Python program with kafka-python, through the same sandbox
 * builder. The fields are {@link SandboxLimits}', read for Python: `memoryMb` is the whole
 * tree's memory (one cgroup: the interpreter and kafka-python take ~35 MB RSS, a lesson's
 * messages a few more, and what the program writes to its tmpfs /tmp is charged here too);
 * the wall clock is a Kafka run's, from the example's declared `runs` ({@link KAFKA_RUN_WALL_MS}).
 */
export const DEFAULT_KAFKA_PY_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: KAFKA_RUN_WALL_MS['to-end'],
  /** A lesson's producer uses about 0.3 s of CPU (imports and SCRAM included); an endless loop is stopped after 10 s. */
  cpuSeconds: 10,
  memoryMb: 256,
  /**
   * The tree's task budget and RLIMIT_NPROC, threads included: kafka-python runs a thread per
   * producer (its sender) and per group consumer (its heartbeat), and the in-sandbox relay two
   * per broker connection; the consumer-group lesson (two consumers, a producer, an admin)
   * peaks near 30. 64 leaves room, and a fork bomb meets it at once.
   */
  processes: 64,
  /** RLIMIT_NOFILE: each broker connection is three descriptors (the client's and the relay's two). */
  openFiles: 128,
  /** RLIMIT_FSIZE in MB: largest file the program may write under /tmp. */
  fileSizeMb: 8,
  /** stdout + stderr passed on before the run is killed (reason `output-limit`); record lines do not count. */
  outputBytes: 1 * MiB,
});

/**
 * RLIMIT_AS of each process of a kafka-py run: 1.5 GB. Python itself maps ~40 MB, but each
 * thread reserves an 8 MB stack and glibc up to a 64 MB malloc arena (two arenas: the sandbox
 * sets MALLOC_ARENA_MAX, as for node), so 64 threads reserve ~600 MB they never touch. The
 * tree's real bound is {@link DEFAULT_KAFKA_PY_LIMITS}' memoryMb (the cgroup).
 */
export const KAFKA_PY_ADDRESS_SPACE_MB = 1536;

/**
 * RLIMIT_NPROC beyond a kafka-py run's task budget, as for shell runs: the cgroup's pids.max
 * must refuse the fork first, so the run sees it (pids.events) and ends with `process-limit`
 * at once; a fork bomb that catches the refusal (Python's OSError) would otherwise loop until
 * the wall clock. The rlimit stays the backstop on a host without cgroups.
 */
export const KAFKA_PY_NPROC_HEADROOM = 8;

/** The rlimits of a kafka-py run. */
export function kafkaPyProcessLimits(limits: SandboxLimits): ProcessLimits {
  return {
    cpuSeconds: limits.cpuSeconds,
    addressSpaceMb: KAFKA_PY_ADDRESS_SPACE_MB,
    processes: limits.processes + TREE_PROCESS_HEADROOM + KAFKA_PY_NPROC_HEADROOM,
    openFiles: limits.openFiles,
    fileSizeMb: limits.fileSizeMb,
  };
}

/**
 * kafka-python's own waits inside a kafka-py run, handed to the shim (lib/sandbox/kafka-python-shim)
 * through its environment. `maxBlockMs`: how long send() waits for a topic's metadata before it
 * fails; kafka-python's 60 s would spend two thirds of a run on a topic that does not exist (the
 * lab never creates one on the fly), 10 s says so within the run. `closeTimeoutMs`: each client's
 * close on "Detener" (a consumer leaving its group), well inside {@link STOP_GRACE_MS}.
 */
export const KAFKA_PY_CLIENT = Object.freeze({ maxBlockMs: 10_000, closeTimeoutMs: 1_500 });

/**
 * The syntax check of a kafka-py run before it is queued (Python's own compiler, run outside
 * the sandbox as an unprivileged user, over the student's files): it compiles, never runs, in
 * ~30 ms; 5 s of wall clock and 256 MB of address space stop a pathological input.
 */
export const PYTHON_SYNTAX_CHECK = Object.freeze({ wallMs: 5_000, addressSpaceMb: 256 });

// ─── The sandbox of a pyspark run (a Spark Connect client of the lab's Spark server) ────────

/**
 * The wall clock of a pyspark run, from its example's declared `runs`. A batch job (a
 * `spark.read` and a `show()`) ends within seconds, but its first request waits for the shared
 * server's session (a few seconds warm, more behind other students): 60 s. A streaming job
 * runs until "Detener": 5 minutes, enough for the article's one-minute trigger to commit four
 * micro-batches, and no longer, because its query holds part of the one Spark server's cores.
 */
export const PYSPARK_RUN_WALL_MS: Readonly<Record<Runs, number>> = Object.freeze({
  'to-end': 60_000,
  'until-stopped': 300_000,
});

/**
 * Limits of one pyspark run: the thin client (pyspark-client: gRPC, pandas and pyarrow, no
 * JVM) running the student's program. Measured with the lesson's job: ~140 MB RSS, 13 threads,
 * 1.3 GB of address space at its peak; the work itself happens on the Spark server.
 */
export const DEFAULT_PYSPARK_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: PYSPARK_RUN_WALL_MS['to-end'],
  /**
   * RLIMIT_CPU: the imports take ~1.5 s of CPU and following a query (one progress request a
   * second) almost nothing, so 60 s covers a 5-minute stream and still stops a busy loop.
   */
  cpuSeconds: 60,
  /** The tree's memory (one cgroup): the client's ~140 MB, and room for a `toPandas()` of a few rows. */
  memoryMb: 384,
  /** Tasks: gRPC's threads and the relay's two per connection (13 measured); 64 stops a fork bomb at once. */
  processes: 64,
  openFiles: 256,
  /** RLIMIT_FSIZE in MB: largest file the program may write under /tmp. */
  fileSizeMb: 8,
  /** stdout + stderr passed on before the run is killed; the wrapper's progress lines do not count. */
  outputBytes: 1 * MiB,
});

/**
 * RLIMIT_AS of each process of a pyspark run: 3 GB. The client maps 1.3 GB (pyarrow's and
 * gRPC's reservations, an 8 MB stack per thread, two malloc arenas as for kafka-py); the
 * tree's real bound is {@link DEFAULT_PYSPARK_LIMITS}' memoryMb (the cgroup).
 */
export const PYSPARK_ADDRESS_SPACE_MB = 3072;

/** The rlimits of a pyspark run (RLIMIT_NPROC with kafka-py's headroom, for the same reason). */
export function pysparkProcessLimits(limits: SandboxLimits): ProcessLimits {
  return {
    cpuSeconds: limits.cpuSeconds,
    addressSpaceMb: PYSPARK_ADDRESS_SPACE_MB,
    processes: limits.processes + TREE_PROCESS_HEADROOM + KAFKA_PY_NPROC_HEADROOM,
    openFiles: limits.openFiles,
    fileSizeMb: limits.fileSizeMb,
  };
}

/**
 * The wrapper's timing inside a pyspark run (lib/sandbox/pyspark-shim/cauce_spark.py).
 * `pollMs`: how often it reads each query's progress (one small Spark Connect request): a
 * 5-second trigger's batch shows within a second of its commit. `stopGraceMs`: after "Detener"
 * or its soft deadline the wrapper stops each query (the batch in flight is finished or
 * abandoned by Spark), reads its last progress and releases the session; measured at 1–3 s,
 * so 8 s before the sandbox is killed. The soft deadline is that much before the wall clock,
 * so a timed-out stream is stopped cleanly too and nothing keeps running on the shared server.
 * `retries`/`maxBackoffMs`: the Spark Connect client's retry policy when the server does not
 * answer. Spark's own (15 retries, backoff up to 60 s) tolerates 10 minutes, twice a stream's
 * wall clock: a run then waited silently until it was stopped. 6 retries of at most 5 s give up
 * after ~30 s (measured, jitter and connection attempts included), long enough for a brief
 * restart, and the run says the lab is unavailable.
 */
export const PYSPARK_CLIENT = Object.freeze({ pollMs: 1_000, stopGraceMs: 8_000, retries: 6, maxBackoffMs: 5_000 });

/**
 * How long a pyspark run waits for the lab's Spark Connect server started on demand: 3 minutes.
 * Measured: ~50 s from the request to a healthy server on the 2-core machine (the JVM, the
 * connectors and the health check's own session), more on a first start that still installs
 * pyspark and fetches the jars; the run's wall clock starts only after this wait.
 */
export const SPARK_ON_DEMAND_WAIT_MS = 180_000;

/**
 * pyspark runs executing at once are runCapacity().pyspark (one per core): every streaming
 * query runs on the lab's one Spark server, whose local executors have those cores.
 */

// ─── Airflow: "Ejecutar" on a DAG (a warm worker running dag.test()) ─────────────────────────

/**
 * Limits of one warm DAG worker. They cover its whole life (warm-up included), except the
 * wall clock, which starts when the student's job is handed over.
 */
export interface DagWorkerLimits {
  /** Wall clock from job to result (reason `timeout`). @default 60_000 */
  wallMs: number;
  /** RLIMIT_CPU of each process; the warm-up uses about 5 s of it. @default 60 */
  cpuSeconds: number;
  /** RLIMIT_AS of each process in MB; an idle worker maps ~730 MB. @default 2048 */
  addressSpaceMb: number;
  /**
   * Memory of the worker's whole tree in MB (one cgroup): the worker idles at ~215 MB RSS,
   * a lesson DAG adds tens of MB; BashOperator children and forks share this. @default 1024
   */
  memoryMb: number;
  /**
   * RLIMIT_NPROC for the worker's uid and the tree's task budget (threads count: the worker
   * uses 3–6, a BashOperator a few more per command). @default 64
   */
  processes: number;
  /** @default 256 */
  openFiles: number;
  /** RLIMIT_FSIZE in MB (the metadata DB copy grows with the run). @default 32 */
  fileSizeMb: number;
  /** Size of the worker's /tmp tmpfs in MB: the DB copy, Airflow's logs and what the DAG writes. @default 96 */
  tmpfsMb: number;
  /** Protocol bytes read from the worker before it is killed (reason `output-limit`). @default 2_097_152 */
  outputBytes: number;
}

export const DEFAULT_DAG_WORKER_LIMITS: Readonly<DagWorkerLimits> = Object.freeze({
  wallMs: 60_000,
  cpuSeconds: 60,
  addressSpaceMb: 2048,
  memoryMb: 1024,
  processes: 64,
  openFiles: 256,
  fileSizeMb: 32,
  tmpfsMb: 96,
  outputBytes: 2 * MiB,
});

/**
 * Tasks in one DAG the worker runs or draws: 100. Lesson DAGs have 2 to 10; the graph and the
 * per-task events stay readable, and a loop that creates thousands of tasks is refused before
 * it runs (the worker reads this as CAUCE_MAX_TASKS) instead of spending the wall clock.
 */
export const MAX_DAG_TASKS = 100;

/**
 * Task tries of one DAG run that run at once in its worker: 4. Independent tasks overlap as
 * under a real scheduler, so a run takes its critical path, not the sum of its tasks (the five
 * echo_* of test_print_values run together). More would not help on the 2 cores a class server
 * has, and each try is a process of the worker's budget (`processes`); the worker reads this
 * as CAUCE_PARALLEL_TASKS and also honours the DAG's own max_active_tasks.
 */
export const MAX_PARALLEL_DAG_TASKS = 4;

// ─── Airflow: "Enviar al scheduler" (the lab's Airflow, each task try sandboxed) ─────────────

/**
 * Limits of one task sent with "Enviar al scheduler" (the airflow-task kind): the Task SDK's
 * supervisor and the task runner it forks, in one sandbox per task try.
 */
export interface AirflowTaskLimits {
  /**
   * Wall clock of the whole try. A task holds one of the scheduler's few parallel slots
   * (parallelism 4), so a forgotten sleep must not hold it for hours. @default 600_000
   */
  wallMs: number;
  /** RLIMIT_CPU of each process; importing Airflow and the DAG costs 3–5 s. @default 120 */
  cpuSeconds: number;
  /** RLIMIT_AS of each process in MB; the supervisor maps ~700 MB before it runs anything. @default 2048 */
  addressSpaceMb: number;
  /**
   * Memory of the try's whole tree in MB (one cgroup): the supervisor (~150 MB RSS) and the
   * forked task runner share pages until the task writes; the task's own data and /tmp
   * come on top. @default 1024
   */
  memoryMb: number;
  /** RLIMIT_NPROC and the tree's task budget (threads count: the supervisor and relay use ~10). @default 64 */
  processes: number;
  /** @default 256 */
  openFiles: number;
  /** RLIMIT_FSIZE in MB: also caps the task's log file, which the sandbox appends to. @default 32 */
  fileSizeMb: number;
  /** Size of the try's private /tmp tmpfs in MB (AIRFLOW_HOME, $CAUCE_RUN_DIR, what the task writes). @default 64 */
  tmpfsMb: number;
}

export const DEFAULT_AIRFLOW_TASK_LIMITS: Readonly<AirflowTaskLimits> = Object.freeze({
  wallMs: 600_000,
  cpuSeconds: 120,
  addressSpaceMb: 2048,
  memoryMb: 1024,
  processes: 64,
  openFiles: 256,
  fileSizeMb: 32,
  tmpfsMb: 64,
});

/**
 * Parsing one DAG file sent with "Enviar al scheduler" (the dag-processor's child, in the
 * sandbox: it runs the file's top-level code). Airflow's own timeout for a file is 50 s
 * (dag_file_processor_timeout) and the dag-processor kills the try then; the wall clock here
 * is the launcher's backstop. A parse holds one of few slots, so the budget is small.
 */
export const AIRFLOW_PARSE_LIMITS: Readonly<AirflowTaskLimits> = Object.freeze({
  wallMs: 60_000,
  cpuSeconds: 60,
  addressSpaceMb: 2048,
  memoryMb: 512,
  processes: 32,
  openFiles: 256,
  fileSizeMb: 8,
  tmpfsMb: 32,
});

/**
 * How long "Enviar al scheduler" waits for the dag-processor to list the student's DAG: 90 s.
 * A new file is parsed first, in its own sandbox (3–6 s of CPU); behind other students' files
 * it can take longer, but a DAG that never shows up must end with a message.
 */
export const SCHEDULER_PICKUP_MS = 90_000;

/**
 * The executor's request for one task try (the workload JSON): 256 KB. Airflow's workloads
 * are a few KB; the cap keeps a broken or hostile sender from filling the site's memory.
 */
export const MAX_WORKLOAD_BYTES = 256 * KiB;

/** The wall clock of a run of a kind the site executes ("Ejecutar"), or undefined for a kind it cannot run yet. */
export function wallClockMs(kind: 'kafka-ts' | 'kafka-py' | 'airflow-dag' | 'shell' | 'pyspark', runs?: Runs): number;
export function wallClockMs(kind: SnippetKind, runs?: Runs): number | undefined;
export function wallClockMs(kind: SnippetKind, runs: Runs = 'to-end'): number | undefined {
  switch (kind) {
    case 'kafka-ts':
    case 'kafka-py':
      return KAFKA_RUN_WALL_MS[runs];
    case 'airflow-dag':
      return DEFAULT_DAG_WORKER_LIMITS.wallMs; // a DAG run ends with its tasks, consumer or not
    case 'shell':
      return SHELL_RUN_WALL_MS[runs];
    case 'pyspark':
      return PYSPARK_RUN_WALL_MS[runs];
    default:
      return undefined;
  }
}

// ─── Kafka: each student's share of the broker ───────────────────────────────────────────────
//
// lab/kafka/limits.ts hands these to the broker (LabTopicPolicy.java and TenantAdmin.java) and
// says where each one holds; lib/runs/kafka-limits.ts names them to a student who hits one.
//
// Worst case per student: partitionsPerStudent x (maxRetentionBytes + maxSegmentBytes)
// = 36 x 3 MiB = 108 MiB of disk in at most about 4 segments per partition (150 segment
// files), plus what the producer quota adds between two retention checks (30 MiB); for a
// class of 40, about 5 GB, instead of "whatever the first student asks for".

/** Kafka client quotas for each student's user principal (KIP-13, KIP-599). */
export const KAFKA_QUOTAS = {
  /**
   * producer_byte_rate, bytes/s across all the student's producers. A lesson sends a few
   * hundred small messages (kilobytes); 1 MiB/s leaves room for a loop of thousands, while
   * 40 students at full speed stay at 40 MiB/s, which one disk absorbs. Kafka measures over
   * 11 one-second windows, so about 10 s worth (10 MiB) passes before the first wait.
   */
  producerBytesPerSecond: 1 * MiB,
  /**
   * consumer_byte_rate. Twice the producer's: lessons reread topics from the beginning with
   * several consumers, and reads come mostly from the page cache.
   */
  consumerBytesPerSecond: 2 * MiB,
  /**
   * controller_mutation_rate, partitions created or deleted per second. Lessons create one
   * topic of 1-3 partitions per run; the topic caps below bound how many exist, this bounds
   * churn (a create/delete loop writes metadata records and log directories on every turn).
   * The burst Kafka allows is this times its quota window (11 s), so a whole lesson never waits.
   */
  controllerMutationsPerSecond: 10,
} as const;

/** Limits on a student's topics, enforced by the broker's LabTopicPolicy. */
export const KAFKA_TOPIC_LIMITS = {
  /**
   * Partitions one topic may have. Lessons use 1-3; 12 lets a student watch a group of
   * 12 consumers share a topic. Each partition is a directory with open files on the broker.
   */
  partitionsPerTopic: 12,
  /** Topics one student may have at once. Each lesson creates one or two; a reset frees them all. */
  topicsPerStudent: 20,
  /**
   * Partitions across all of a student's topics: what bounds their disk and open files
   * (see the worst case above). Twelve lessons' worth of 3-partition topics, or three of 12.
   */
  partitionsPerStudent: 36,
  /**
   * retention.ms ceiling, also the broker default (log.retention.ms). The 7 days the lab
   * always kept, so a student finds yesterday's messages; disk is bounded by bytes, not time.
   */
  maxRetentionMs: 7 * DAY_MS,
  /**
   * retention.bytes ceiling per partition, also the broker default (log.retention.bytes):
   * about 20,000 lesson-sized messages per partition.
   */
  maxRetentionBytes: 2 * MiB,
  /**
   * segment.bytes ceiling, also the broker default (log.segment.bytes). Retention only deletes
   * closed segments, so a partition holds up to retention.bytes plus one open segment: a
   * 1 GiB segment would make the retention cap meaningless. 1 MiB is also Kafka 4's minimum.
   */
  maxSegmentBytes: 1 * MiB,
  /**
   * segment.ms floor. A segment rolled every few milliseconds is a new set of files per batch:
   * ten minutes keeps the file count bounded by bytes, not by how often a loop produces.
   */
  minSegmentMs: 10 * MINUTE_MS,
  /** max.message.bytes ceiling: Kafka's default batch size (1 MiB + 12 bytes of header). */
  maxMessageBytes: 1 * MiB + 12,
} as const;

// ─── The queue and each student's quota (course mode) ────────────────────────────────────────

/**
 * Runs one student may start per minute: 20 unless CAUCE_RUNS_PER_MINUTE says otherwise. A
 * student working through a lesson presses "Ejecutar" a few times a minute; a script (or a
 * held-down key) pressing it hundreds of times would fill the queue for the whole class.
 */
export const DEFAULT_RUNS_PER_MINUTE = 20;

/**
 * Runs one student may have waiting behind their running one: 3. Enough to queue the next
 * examples of a lesson; more would only hold places other students are waiting for.
 */
export const MAX_WAITING_PER_STUDENT = 3;

/**
 * A run nobody watches (its page reloaded away, closed, or never connected) is stopped after
 * 15 s: a forgotten consumer would otherwise hold one of the few run slots until its wall
 * clock. Long enough for a reload to reattach.
 */
export const UNWATCHED_GRACE_MS = 15_000;
