import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { kafkaPythonPaths } from '@/lab/kafka/python-client';
import { KAFKA_PY_CLIENT, kafkaPyProcessLimits, type SandboxLimits } from '@/lib/limits';
import type { SandboxSpec } from '../command';
import type { SlotNetwork } from '../network';
import { SANDBOX_DIR } from '../stack';
import type { RunDirs } from '../workdir';
import { PYTHON_BASE_ENV, pythonReadOnlyBinds, VENV } from './airflow-worker';

const run = promisify(execFile);

/** Host locations a kafka-py sandbox binds, resolved once per server process. */
export interface KafkaPyRuntime {
  /** The venv with kafka-python (lab/kafka/python-client.ts), bound read-only at /opt/venv. */
  venv: string;
  /** The interpreter the venv points to, and where it must appear inside. */
  python: { host: string; inside: string };
  /** The interpreter's standard library (same path inside). */
  stdlib: string;
  /** lib/sandbox/kafka-python-shim (bound at {@link SHIM_DIR}). */
  shimDir: string;
  /** lib/sandbox/relay/relay.py (bound at /opt/cauce/relay.py). */
  relayScript: string;
  /** Shared libraries and the few /etc files, as for every kind. */
  systemArgs: readonly string[];
}

/** Inside paths: fixed, so nothing a student sees names a server folder. */
const SHIM_DIR = '/opt/cauce/kafka-py';
/** Where cauce_boot.py loads the relay from (as an Airflow task's sandbox has it). */
const RELAY = '/opt/cauce/relay.py';

/**
 * The venv's interpreter: `venv/bin/python` links (through `python3`) to the system's. Inside,
 * the first link target outside the venv must exist, since pyvenv.cfg's `home` finds the
 * standard library from there; the file bound there is the real binary.
 */
export async function resolveKafkaPyRuntime(systemArgs: readonly string[], repoRoot = process.cwd()): Promise<KafkaPyRuntime> {
  const { venv, python: link } = kafkaPythonPaths();
  if (!existsSync(/*turbopackIgnore: true*/ link)) throw new Error(`kafka-python not installed: missing ${link} (run: npx tsx lab/cli.ts prepare-kafka-python)`);
  return resolveVenvRuntime(venv, link, path.join(/*turbopackIgnore: true*/ repoRoot, 'lib', 'sandbox', 'kafka-python-shim'), systemArgs, repoRoot);
}

/** A Python kind's runtime from its venv (its `bin/python` link) and its shim folder; shared by kafka-py and pyspark. */
export async function resolveVenvRuntime(venv: string, link: string, shimDir: string, systemArgs: readonly string[], repoRoot = process.cwd()): Promise<KafkaPyRuntime> {
  let inside = link;
  while (inside.startsWith(venv + path.sep)) inside = path.resolve(path.dirname(inside), await readlink(inside));
  const host = await realpath(link);
  const { stdout } = await run(link, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])']);
  const stdlib = (await realpath(stdout.trim())).replace(/\/+$/, '');
  return {
    venv,
    python: { host, inside },
    stdlib,
    shimDir,
    relayScript: path.join(/*turbopackIgnore: true*/ repoRoot, 'lib', 'sandbox', 'relay', 'relay.py'),
    systemArgs,
  };
}

export interface KafkaPySpecInput {
  uid: number;
  limits: SandboxLimits;
  runtime: KafkaPyRuntime;
  dirs: RunDirs;
  /** The run's Kafka view (KAFKA_BROKERS and, in course mode, the student's credential and prefix). */
  env: Readonly<Record<string, string>>;
  /** The student's entry file, e.g. `producer.py`. */
  entry: string;
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

// Variables that would change how Python or the loader behave are ours, or not set at all.
const RESERVED_ENV = /^(PYTHON|LD_|HOME$|PATH$|TMPDIR$|MALLOC_|CAUCE_)/;

/**
 * The kafka-py kind: the venv's Python running the shim (lib/sandbox/kafka-python-shim), which
 * relays the brokers in and runs the student's file. Isolated mode (-I): no environment
 * variable, user site or current folder changes what Python imports.
 */
export function kafkaPySandboxSpec(input: KafkaPySpecInput): SandboxSpec {
  const { runtime } = input;
  for (const key of Object.keys(input.env)) if (!/^[A-Z][A-Z0-9_]*$/.test(key) || RESERVED_ENV.test(key)) throw new RangeError(`env ${key} is not allowed`);
  const env: Record<string, string> = {
    HOME: PYTHON_BASE_ENV.HOME!,
    PATH: `${VENV}/bin:/usr/bin`,
    LANG: PYTHON_BASE_ENV.LANG!,
    MALLOC_ARENA_MAX: '2', // see KAFKA_PY_ADDRESS_SPACE_MB
    ...input.env,
    // The shim's settings (it takes them out of the environment before the student's code runs).
    CAUCE_KAFKA_MAX_BLOCK_MS: String(KAFKA_PY_CLIENT.maxBlockMs),
    CAUCE_KAFKA_CLOSE_TIMEOUT_MS: String(KAFKA_PY_CLIENT.closeTimeoutMs),
  };
  return {
    uid: input.uid,
    rlimits: kafkaPyProcessLimits(input.limits),
    systemArgs: runtime.systemArgs,
    readOnly: [...pythonReadOnlyBinds(runtime), [runtime.shimDir, SHIM_DIR], [runtime.relayScript, RELAY], [input.dirs.src, SANDBOX_DIR]],
    writable: [[input.dirs.tmp, '/tmp']],
    env,
    cwd: SANDBOX_DIR,
    // -u: each line reaches the page as it is printed (-I ignores PYTHONUNBUFFERED; a pipe is block-buffered).
    argv: [`${VENV}/bin/python`, '-I', '-B', '-u', `${SHIM_DIR}/cauce_boot.py`, input.entry],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
