/**
 * Resource limits of one sandboxed run. Lesson authors may tighten or loosen them per
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
   * V8 old-space cap in MB (`--max-old-space-size`). RLIMIT_AS is this plus
   * {@link ADDRESS_SPACE_HEADROOM_MB}, because V8 reserves far more address space than it
   * touches; the headroom catches native (Buffer) allocations. @default 256
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
  /** Bytes of stdout + stderr passed on before the run is killed (reason `output-limit`). @default 1_048_576 */
  outputBytes: number;
}

/** Address space granted beyond the V8 heap: Node 20 maps ~760 MB of virtual memory at start. */
export const ADDRESS_SPACE_HEADROOM_MB = 1024;

/**
 * Memory of a kafka-ts run's whole tree beyond the V8 heap: node's own RSS (~45 MB), its
 * buffers and what the program writes to its tmpfs /tmp. The cgroup enforces heap + this.
 */
export const TREE_MEMORY_HEADROOM_MB = 256;

/** Tasks beyond the program's own: bwrap's outer and inner processes. */
export const TREE_PROCESS_HEADROOM = 4;

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

/** The whole-tree budget (one cgroup) of a kafka-ts run. */
export function treeBudgetOf(limits: SandboxLimits): { memoryMb: number; processes: number } {
  return { memoryMb: limits.memoryMb + TREE_MEMORY_HEADROOM_MB, processes: limits.processes + TREE_PROCESS_HEADROOM };
}

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
  outputBytes: 2 * 1024 * 1024,
});

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

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  wallMs: 30_000,
  cpuSeconds: 10,
  memoryMb: 256,
  processes: 32,
  openFiles: 128,
  fileSizeMb: 8,
  outputBytes: 1_048_576,
});

/** Merges lesson overrides over the defaults and rejects values that would disable a limit. */
export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits: SandboxLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof SandboxLimits, unknown][]) {
    if (!(key in DEFAULT_LIMITS)) throw new RangeError(`Límite desconocido: ${String(key)}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new RangeError(`El límite ${key} debe ser un entero positivo (recibido ${String(value)})`);
    }
    limits[key] = value;
  }
  return limits;
}
