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
