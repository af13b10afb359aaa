import { existsSync } from 'node:fs';
import path from 'node:path';
import { sparkClientPaths } from '@/lab/spark/python-client';
import { PYSPARK_CLIENT, pysparkProcessLimits, type SandboxLimits } from '@/lib/limits';
import type { SandboxSpec } from '../command';
import type { SlotNetwork } from '../network';
import { SANDBOX_DIR } from '../stack';
import type { RunDirs } from '../workdir';
import { PYTHON_BASE_ENV, pythonReadOnlyBinds, VENV } from './airflow-worker';
import { resolveVenvRuntime, type KafkaPyRuntime } from './kafka-py';

/** Host locations a pyspark sandbox binds: kafka-py's shape, with the Spark Connect client's venv and its wrapper. */
export type PysparkRuntime = KafkaPyRuntime;

/** Inside path of lib/sandbox/pyspark-shim: fixed, so nothing a student sees names a server folder. */
const SHIM_DIR = '/opt/cauce/pyspark';

/** Resolved once per server process: the client venv (lab/spark/python-client.ts) and the interpreter behind it. */
export async function resolvePysparkRuntime(systemArgs: readonly string[], repoRoot = process.cwd()): Promise<PysparkRuntime> {
  const { venv, python: link } = sparkClientPaths();
  if (!existsSync(/*turbopackIgnore: true*/ link)) throw new Error(`pyspark-client not installed: missing ${link} (run: npx tsx lab/cli.ts prepare-spark-client)`);
  return resolveVenvRuntime(venv, link, path.join(/*turbopackIgnore: true*/ repoRoot, 'lib', 'sandbox', 'pyspark-shim'), systemArgs, repoRoot);
}

export interface PysparkSpecInput {
  uid: number;
  limits: SandboxLimits;
  runtime: PysparkRuntime;
  dirs: RunDirs;
  /** The run's view: SPARK_REMOTE, the Kafka and S3 settings the job hands to the Spark server. */
  env: Readonly<Record<string, string>>;
  /** The student's entry file, e.g. `kafka_a_s3.py`. */
  entry: string;
  network: SlotNetwork;
  cgroupProcs: readonly string[];
}

// Variables that would change how Python, the loader or the client behave are ours, or not set at all.
const RESERVED_ENV = /^(PYTHON|LD_|HOME$|PATH$|TMPDIR$|MALLOC_|CAUCE_|SPARK_HOME$|PYSPARK_|GRPC_)/;

/**
 * The pyspark kind: the client venv's Python running the wrapper (lib/sandbox/pyspark-shim),
 * which relays the Spark Connect endpoint in and runs the student's file. Isolated mode (-I):
 * no environment variable, user site or current folder changes what Python imports.
 */
export function pysparkSandboxSpec(input: PysparkSpecInput): SandboxSpec {
  const { runtime } = input;
  for (const key of Object.keys(input.env)) if (!/^[A-Z][A-Z0-9_]*$/.test(key) || RESERVED_ENV.test(key)) throw new RangeError(`env ${key} is not allowed`);
  const env: Record<string, string> = {
    HOME: PYTHON_BASE_ENV.HOME!,
    PATH: `${VENV}/bin:/usr/bin`,
    LANG: PYTHON_BASE_ENV.LANG!,
    // The Spark Connect client names its user from getpass (no passwd entry for the sandbox uid).
    USER: PYTHON_BASE_ENV.USER!,
    LOGNAME: PYTHON_BASE_ENV.LOGNAME!,
    MALLOC_ARENA_MAX: '2', // see PYSPARK_ADDRESS_SPACE_MB
    ...input.env,
    // The wrapper's settings (it takes them out of the environment before the student's code runs).
    CAUCE_SPARK_POLL_MS: String(PYSPARK_CLIENT.pollMs),
    CAUCE_SPARK_RETRIES: `${PYSPARK_CLIENT.retries},${PYSPARK_CLIENT.maxBackoffMs}`,
    // Its own stop comes before the sandbox's kill, so a timed-out stream is stopped on the server too.
    CAUCE_SPARK_DEADLINE_MS: String(Math.max(1_000, input.limits.wallMs - PYSPARK_CLIENT.stopGraceMs)),
  };
  return {
    uid: input.uid,
    rlimits: pysparkProcessLimits(input.limits),
    systemArgs: runtime.systemArgs,
    readOnly: [...pythonReadOnlyBinds(runtime), [runtime.shimDir, SHIM_DIR], [runtime.relayScript, '/opt/cauce/relay.py'], [input.dirs.src, SANDBOX_DIR]],
    writable: [[input.dirs.tmp, '/tmp']],
    env,
    cwd: SANDBOX_DIR,
    // -u: each line reaches the page as it is printed; -W ignore: pandas' version warning is not the student's.
    argv: [`${VENV}/bin/python`, '-I', '-B', '-u', '-W', 'ignore::FutureWarning', `${SHIM_DIR}/cauce_boot.py`, input.entry],
    network: input.network,
    cgroupProcs: input.cgroupProcs,
  };
}
