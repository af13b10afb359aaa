/**
 * Sandbox for student code: validate -> transpile -> run under bwrap with limits -> stream
 * output back. `runTypeScript` is the one call a route needs; the parts are exported for
 * callers that check input before they start streaming.
 */
import { createHash } from 'node:crypto';
import type { SandboxLimits } from '@/lib/limits';
import { SnippetCompileError } from './errors';
import type { SandboxHost } from './host';
import { outputNameFor, validateSnippetFiles, type SnippetFile } from './input';
import type { SandboxOutput } from './output';
import { SandboxRun, type SandboxResult } from './run';
import { compileSnippet, type CompiledFile, type SnippetDiagnostic } from './transpile';

export * from './errors';
export { validateSnippetFiles, type SnippetFile } from './input';
export { buildSandboxCommand, type SandboxSpec } from './command';
export { runCgroup, type RunBudget, type RunCgroup } from './cgroup';
export { NetworkRelays, type SlotNetwork } from './network';
export { endMessage, deniedMessage, type DeniedCapability, type EndReason } from './messages';
export type { SandboxOutput } from './output';
export { SandboxRun, type SandboxResult, type SandboxRunOptions } from './run';
export { SandboxHost, defaultSandboxHost, type SandboxHostOptions } from './host';
export { mapStackToSnippet } from './stack';
export { compileSnippet, transpileSnippet, type CompiledFile, type SnippetDiagnostic, type TranspiledSnippet } from './transpile';

export interface SandboxRequest {
  /** The student's files, e.g. `[{ name: 'producer.ts', content }]`. */
  files: SnippetFile[];
  /** File to run, as the student named it, e.g. `producer.ts`. */
  entry: string;
  /** The only variables the program sees besides HOME and PATH, e.g. `{ KAFKA_BROKERS }`. */
  env: Record<string, string>;
  /** `host:port` endpoints relayed into the run's own network namespace; nothing else is reachable. @default [] */
  endpoints?: readonly string[];
  /** Overrides of the default limits. @default {} */
  limits?: Partial<SandboxLimits>;
  /** Aborting stops the run (reason `stopped`). */
  signal?: AbortSignal;
}

export interface PreparedSnippet {
  files: CompiledFile[];
  /** Emitted entry name, e.g. `producer.mjs`. */
  entry: string;
  /** Syntax errors; when non-empty the snippet must not run. */
  diagnostics: SnippetDiagnostic[];
}

/** Validates and transpiles; throws {@link SnippetInputError} on bad input. Runs nothing. */
export function prepareSnippet(files: SnippetFile[], entry: string): PreparedSnippet {
  validateSnippetFiles(files, entry);
  // The same code is prepared twice per run (the syntax check when it is sent, then the run
  // itself), ~15 ms each: the second comes from here. Keyed by content; results are read-only.
  const key = createHash('sha256')
    .update(JSON.stringify([entry, files.map((f) => [f.name, f.content])]))
    .digest('hex');
  const cached = prepared.get(key);
  if (cached) {
    prepared.delete(key); // most recently used last
    prepared.set(key, cached);
    return cached;
  }
  const compiled = compileSnippet(files);
  const result = { ...compiled, entry: compiled.files.find((f) => f.source === entry)?.name ?? outputNameFor(entry) };
  prepared.set(key, result);
  if (prepared.size > PREPARED_KEPT) prepared.delete(prepared.keys().next().value!);
  return result;
}

/** Prepared snippets kept: a class's worth of recent edits. */
const PREPARED_KEPT = 256;
const prepared = new Map<string, PreparedSnippet>();

/**
 * Checks, transpiles and runs a TypeScript snippet in the sandbox, streaming its output.
 * Throws before running anything: {@link SnippetInputError}, {@link SnippetCompileError}
 * (with diagnostics), {@link SandboxBusyError}. Every end after start is a result.
 */
export async function runTypeScript(req: SandboxRequest, onOutput: (output: SandboxOutput) => void, host?: SandboxHost): Promise<SandboxResult> {
  const prepared = prepareSnippet(req.files, req.entry);
  if (prepared.diagnostics.length > 0) throw new SnippetCompileError(prepared.diagnostics);
  return new SandboxRun({
    files: prepared.files,
    entry: prepared.entry,
    env: req.env,
    endpoints: req.endpoints,
    limits: req.limits,
    signal: req.signal,
    onOutput,
    host,
  }).run();
}
