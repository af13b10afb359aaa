import { runCapacity } from '@/lib/env';
import { perProcess } from '@/lib/per-process';
import { DEFAULT_SHELL_LIMITS, SHELL_TMPFS_MB, treeBudget, type SandboxLimits } from '@/lib/limits';
import { SandboxHost } from './host';
import { validateShellFiles, type SnippetFile } from './input';
import { shellIdentity, shellSandboxSpec, shellSystemArgs, type ShellTools } from './kinds/shell';
import type { EndReason } from './messages';
import type { HttpRelayFilter } from './network';
import type { SandboxOutput } from './output';
import type { SandboxProbe } from './probe';
import { SandboxRun, type SandboxProgram, type SandboxResult } from './run';
import { SANDBOX_UIDS } from './uids';

/** uid of the first shell slot (lib/sandbox/uids.ts keeps every range apart). */
export const FIRST_SHELL_UID = SANDBOX_UIDS.shell;

export interface ShellRequest {
  /** The student's files; the first is not special: `entry` names the script bash runs. */
  files: SnippetFile[];
  /** The script bash runs, as named on its tab, e.g. `checks.sh`. */
  entry: string;
  /** `host:port` endpoints relayed into the run's network (the Hadoop client's, later). @default [] */
  endpoints?: readonly string[];
  /** Each request to `endpoints` checked or rewritten (the Hadoop gate); required with Hadoop's endpoints. @default bytes as they are */
  httpFilter?: HttpRelayFilter;
  /** Overrides of {@link DEFAULT_SHELL_LIMITS}; the wall clock comes from the example's `runs`. @default {} */
  limits?: Partial<SandboxLimits>;
  /** Extra tools bound for this run (see {@link ShellTools}). @default {} */
  tools?: ShellTools;
  /** The server's measurement after the script, in the same sandbox. @default none */
  probe?: SandboxProbe;
  /** Aborting stops the run (reason `stopped`). */
  signal?: AbortSignal;
}

/**
 * Limits the kernel reports through bash when a child meets them (`dd` killed by SIGXFSZ, a
 * tmpfs full, a fork refused without cgroups): the run ends at once with the reason, instead
 * of the script going on to its next command or retrying until the wall clock.
 */
const LIMIT_LINES: [RegExp, EndReason][] = [
  [/File size limit exceeded|No space left on device/, 'file-limit'],
  [/fork: (?:retry: )?Resource temporarily unavailable|Cannot fork/, 'process-limit'],
];

/** The shell kind's program for {@link SandboxRun}: bash on the student's script, the probe after it. */
export function shellProgram(req: ShellRequest): SandboxProgram {
  validateShellFiles(req.files, req.entry);
  return {
    defaults: DEFAULT_SHELL_LIMITS,
    budget: treeBudget,
    files: req.files,
    async spec(slot, argv) {
      const [identity, systemArgs] = await Promise.all([shellIdentity(slot.uid), shellSystemArgs()]);
      return shellSandboxSpec({ ...slot, entry: req.entry, identity, tools: req.tools, argv }, systemArgs);
    },
    rewrite: (line) => (line.startsWith('/sandbox/') ? line.slice('/sandbox/'.length) : line),
    limitIn: (line) => LIMIT_LINES.find(([pattern]) => pattern.test(line))?.[1],
    probe: req.probe,
  };
}

/**
 * Runs a shell script in the sandbox, streaming its output. Throws before running anything:
 * {@link SnippetInputError} (names, sizes), {@link SandboxBusyError}. Every end after start is a result.
 */
export function runShell(req: ShellRequest, onOutput: (output: SandboxOutput) => void, host: SandboxHost = shellSandboxHost()): Promise<SandboxResult> {
  return new SandboxRun({
    files: [],
    entry: req.entry,
    endpoints: req.endpoints,
    httpFilter: req.httpFilter,
    limits: req.limits,
    signal: req.signal,
    onOutput,
    host,
    program: shellProgram(req),
  }).run();
}

/** The shell runs' own uid slots (one per run the queue's shell lane lets through) and their tmpfs size. One per process. */
export function shellSandboxHost(): SandboxHost {
  return perProcess('sandbox-host:shell', () => new SandboxHost({ concurrency: runCapacity().shell, firstUid: FIRST_SHELL_UID, tmpfsMb: SHELL_TMPFS_MB }));
}
