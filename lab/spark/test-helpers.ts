/** Helpers shared by the Spark specs (not a spec itself). */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bindError } from '../ports';
import { sparkPythonPaths } from './paths';

/** A free loopback port for a test server, away from the lab's defaults (15002, 15102). */
export async function freeSparkPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 25_000 + Math.floor(Math.random() * 2_000);
    if ((await bindError(port, '127.0.0.1')) === undefined) return port;
  }
  throw new Error('no hay un puerto libre para Spark');
}

/**
 * Preamble of every client script: a Spark Connect session on argv[1], and `attempt(name, fn)`,
 * which prints one JSON line per try: allowed (with the result) or refused (with the message).
 */
const PREAMBLE = `
import json, sys, warnings
warnings.filterwarnings("ignore")
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
def attempt(name, fn):
    try:
        result = fn()
        print(json.dumps({"name": name, "ok": True, "result": str(result)[:300]}), flush=True)
    except Exception as error:
        print(json.dumps({"name": name, "ok": False, "message": str(error)[:2000]}), flush=True)
`;

export interface Attempt {
  readonly name: string;
  readonly ok: boolean;
  readonly result?: string;
  readonly message?: string;
}

/**
 * Runs a pyspark client script (the lab venv's python, as a student's run would) against
 * `remote` and returns its attempts by name. The script's body uses `spark` and `attempt`.
 */
export function runClient(remote: string, body: string, timeoutMs = 120_000): Promise<Map<string, Attempt>> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      sparkPythonPaths().python,
      ['-c', `${PREAMBLE}\n${body}\nspark.stop()\n`, remote],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8' } as Record<string, string> as NodeJS.ProcessEnv },
      (error, stdout, stderr) => {
        const attempts = new Map<string, Attempt>();
        for (const line of stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const attempt = JSON.parse(line) as Attempt;
          attempts.set(attempt.name, attempt);
        }
        if (error && attempts.size === 0) return reject(new Error(`el cliente de Spark falló: ${error.message}\n${stderr.slice(-3_000)}`));
        resolvePromise(attempts);
      },
    );
  });
}

/** The refusal marker's sentence out of a client error (`CAUCE_DENIED: …` up to the line's end). */
export function deniedSentence(attempt: Attempt | undefined): string | undefined {
  return /CAUCE_DENIED: ([^"\n]*)/.exec(attempt?.message ?? '')?.[1];
}

/**
 * A stand-in S3 endpoint that answers every request «NoSuchKey» and records which access key
 * signed it (SigV4's `Credential=<key>/…`), or `anonymous`: enough to see whose credentials a
 * session's s3a:// call carried, without a store.
 */
export async function keyRecorder(): Promise<{ url: string; keys: string[]; close: () => Promise<void> }> {
  const keys: string[] = [];
  const server: Server = createServer((request, response) => {
    const key = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? 'anonymous';
    keys.push(`${key} ${request.method} ${request.url}`);
    request.resume();
    response.writeHead(404, { 'content-type': 'application/xml' });
    response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, keys, close: () => new Promise((resolvePromise) => server.close(() => resolvePromise())) };
}
