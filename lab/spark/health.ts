import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { sparkPythonPaths, type SparkPythonPaths } from './paths';

export interface SparkHealth {
  readonly ok: boolean;
  /** The server's Spark version, when it answered. */
  readonly version?: string;
  /** Spanish, when it did not. */
  readonly error?: string;
}

/**
 * What a student's run does, in miniature: a Spark Connect session from the lab's pyspark runs
 * `spark.range(1).count()` on the server. A gRPC ping would say the port answers; this says plans
 * are analyzed, executed and returned. Then `reflect` must be refused with the guard's marker:
 * Spark only warns when an extension class fails to load and runs on without it, so a server
 * whose plan guard is missing is not healthy. About 3 s, most of it Python imports.
 */
const PROBE = `
import sys, warnings
warnings.filterwarnings("ignore")
from pyspark.sql import SparkSession
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
try:
    assert spark.range(1).count() == 1
    try:
        spark.sql("SELECT reflect('java.lang.String', 'valueOf', 1)").collect()
        guarded = False
    except Exception as error:
        guarded = "CAUCE_DENIED" in str(error)
    print("CAUCE_SPARK_OK" if guarded else "CAUCE_SPARK_UNGUARDED", spark.version, flush=True)
finally:
    spark.stop()
`;

/** The client needs no Java and none of the launcher's environment. */
const CLIENT_ENV: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8' };

/**
 * One health check against a Spark Connect server (`sc://host:port`), never throws. `guarded`:
 * the lab's own server must refuse with its guard; an external one is its owner's business.
 */
export function checkSpark(remote: string, timeoutMs: number, options: { python?: SparkPythonPaths; guarded?: boolean } = {}): Promise<SparkHealth> {
  const python = options.python ?? sparkPythonPaths();
  return new Promise((resolvePromise) => {
    const child = spawn(python.python, ['-c', PROBE, remote], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: CLIENT_ENV as NodeJS.ProcessEnv,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
    child.once('error', (error) => resolvePromise({ ok: false, error: `no se pudo lanzar el cliente de Spark (${error.message})` }));
    child.once('close', (code, signal) => {
      const version = /CAUCE_SPARK_(?:OK|UNGUARDED) (\S+)/.exec(stdout)?.[1];
      const guarded = stdout.includes('CAUCE_SPARK_OK');
      if (code === 0 && version && (guarded || options.guarded === false)) return resolvePromise({ ok: true, version });
      if (code === 0 && version) {
        return resolvePromise({ ok: false, error: `Spark Connect en ${remote} responde pero sin la guarda del laboratorio (cauce.spark.PlanGuard no se cargó)` });
      }
      const reason = signal === 'SIGKILL' ? `sin respuesta en ${Math.round(timeoutMs / 1000)} s` : lastErrorLine(stderr);
      resolvePromise({ ok: false, error: `Spark Connect en ${remote} no responde: ${reason}` });
    });
  });
}

/** The exception line of a Python traceback (or the last line), for one Spanish status line. */
function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.findLast((line) => /^[\w.]+(Exception|Error)\b/.test(line)) ?? lines.at(-1) ?? 'sin detalles').slice(0, 300);
}

/** Polls a loopback port until it accepts a connection; false on timeout or once `gaveUp()` says so. */
export async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) return false;
    const open = await new Promise<boolean>((resolvePromise) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.setTimeout(1_000);
      socket.once('connect', () => (socket.destroy(), resolvePromise(true)));
      socket.once('error', () => (socket.destroy(), resolvePromise(false)));
      socket.once('timeout', () => (socket.destroy(), resolvePromise(false)));
    });
    if (open) return true;
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
  return false;
}
