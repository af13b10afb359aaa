/**
 * Sandbox start-up overhead: median wall time of the same program run by plain `node file.mjs`
 * and end to end through runTypeScript (transpile, slot, files, setpriv/prlimit/bwrap, cleanup).
 *
 *   npx tsx lib/sandbox/bench/overhead.mts                       # trivial console.log
 *   CAUCE_BENCH_BROKERS=127.0.0.1:9092 npx tsx lib/sandbox/bench/overhead.mts   # + kafkajs producer
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTypeScript, transpileSnippet } from '../index.ts';

const RUNS = Number(process.env.CAUCE_BENCH_RUNS ?? 21);
const brokers = process.env.CAUCE_BENCH_BROKERS;

const programs: Record<string, string> = {
  hola: "console.log('hola');",
  ...(brokers && {
    producer: `import { Kafka, logLevel } from 'kafkajs';
const kafka = new Kafka({ clientId: 'bench', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
const producer = kafka.producer();
await producer.connect();
await producer.send({ topic: 'sandbox-bench', messages: [{ key: 'k', value: 'hola' }] });
await producer.disconnect();
console.log('ok');`,
  }),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function plain(js: string): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cauce-bench-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(path.resolve('node_modules/kafkajs'), path.join(dir, 'node_modules', 'kafkajs'));
  writeFileSync(path.join(dir, 'producer.mjs'), js);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'producer.mjs')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { KAFKA_BROKERS: brokers ?? '' },
    });
    child.stdout.resume();
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
  const elapsed = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return elapsed;
}

async function sandboxed(ts: string): Promise<number> {
  const started = performance.now();
  const result = await runTypeScript({ files: [{ name: 'producer.ts', content: ts }], entry: 'producer.ts', env: { KAFKA_BROKERS: brokers ?? '' } }, () => {});
  if (result.reason !== 'finished' || result.exitCode !== 0) throw new Error(JSON.stringify(result));
  return performance.now() - started;
}

for (const [name, ts] of Object.entries(programs)) {
  const js = transpileSnippet(ts, 'producer.ts').js;
  await plain(js); // warm the page cache and the sandbox's one-time setup
  await sandboxed(ts);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await plain(js));
    b.push(await sandboxed(ts));
  }
  const [p, s] = [median(a), median(b)];
  console.log(`${name}: plain node ${p.toFixed(0)} ms, sandbox ${s.toFixed(0)} ms, ratio ${(s / p).toFixed(2)}x (median of ${RUNS})`);
}
