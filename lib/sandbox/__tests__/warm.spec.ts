/**
 * Warm kafka-ts sandboxes (lib/sandbox/warm.ts) against the real sandbox: a run handed to a
 * node started ahead of it behaves like a cold one, and sees nothing an earlier run left.
 * Needs root, as the server does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSandboxPrerequisites } from './prerequisites';
import { runTypeScript, SandboxHost, type SandboxOutput } from '../index';

const FIRST_UID = 61_120; // away from the server's 61000+ and the hostile specs' 61100+
const CONCURRENCY = 2;
const ENDPOINTS = ['127.0.0.1:9092'];
const host = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-warm-test', warm: true });

async function run(code: string, options: { endpoints?: string[]; env?: Record<string, string>; signal?: AbortSignal } = {}) {
  const out: SandboxOutput[] = [];
  const result = await runTypeScript(
    {
      files: [{ name: 'producer.ts', content: code }],
      entry: 'producer.ts',
      env: options.env ?? { KAFKA_BROKERS: ENDPOINTS[0]! },
      endpoints: options.endpoints ?? ENDPOINTS,
      limits: { wallMs: 10_000 },
      signal: options.signal,
    },
    (o) => out.push(o),
    host,
  );
  const text = (stream: string) =>
    out
      .filter((o) => o.stream === stream)
      .map((o) => o.text)
      .join('');
  return { result, stdout: text('stdout'), stderr: text('stderr') };
}

/** Until the pool has a sandbox started for the next run (it refills in the background). */
async function warmedUp(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (host.warm!.idleCount() === 0) {
    if (Date.now() > deadline) throw new Error('no se preparó ningún sandbox caliente en 15 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Live processes of these uids (all of the pool's by default). */
async function sandboxUidProcesses(uids = Array.from({ length: CONCURRENCY }, (_, i) => FIRST_UID + i)): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (uids.includes(uid) && !/^State:\s+Z/m.test(status)) count += 1;
  }
  return count;
}

describe('sandboxes calientes de kafka-ts', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    assertSandboxPrerequisites();
    await run('console.log("primera, en frío")'); // tells the pool which network and limits to keep warm
  });
  afterAll(() => host.warm?.close());

  it('una ejecución en un sandbox caliente da la misma salida que en frío, con kafkajs ya cargado', async () => {
    await warmedUp();
    const { result, stdout, stderr } = await run(
      "import { Kafka, logLevel } from 'kafkajs';\nconst kafka = new Kafka({ brokers: [process.env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });\nconsole.log('hola', typeof kafka.producer, process.env.KAFKA_BROKERS);",
    );
    expect(result).toMatchObject({ warm: true, reason: 'finished', exitCode: 0, message: null });
    expect(stdout).toBe('hola function 127.0.0.1:9092\n');
    expect(stderr).toBe('');
  });

  it('un error en el nivel superior apunta a la línea del alumno, sin rastro del arranque caliente', async () => {
    await warmedUp();
    const { result, stderr } = await run("console.log('antes');\nconst x: any = null;\nx.foo();\n");
    expect(result).toMatchObject({ warm: true, reason: 'finished', exitCode: 1 });
    expect(stderr).toMatch(/TypeError: Cannot read properties of null \(reading 'foo'\)/);
    expect(stderr).toMatch(/producer\.ts:3/);
    expect(stderr).not.toMatch(/warm\.mjs|\/opt\/cauce/);
  });

  it('la siguiente ejecución no ve archivos, procesos, variables ni módulos de la anterior (cada sandbox sirve una sola)', async () => {
    await warmedUp();
    const first = await run(
      [
        "import { writeFileSync } from 'node:fs';",
        "writeFileSync('/tmp/secreto.txt', 'de la ejecución anterior');",
        "(globalThis as any).marca = 'anterior';",
        "process.env.HUELLA = 'anterior';",
        'setInterval(() => undefined, 1000);', // would outlive the run if anything kept it
        "console.log('dejé huellas como', process.getuid());",
        'setTimeout(() => process.exit(0), 50);',
      ].join('\n'),
    );
    expect(first.result).toMatchObject({ warm: true, reason: 'finished' });
    // Its sandbox is gone with the run (the pool refills that slot only a moment later).
    const uid = Number(/dejé huellas como (\d+)/.exec(first.stdout)?.[1]);
    expect(uid).toBeGreaterThanOrEqual(FIRST_UID);
    expect(await sandboxUidProcesses([uid])).toBe(0);
    await warmedUp();
    const second = await run(
      [
        "import { existsSync, readdirSync } from 'node:fs';",
        "import { createRequire } from 'node:module';",
        'const require = createRequire(import.meta.url);',
        "console.log('tmp', JSON.stringify(readdirSync('/tmp')));",
        "console.log('sandbox', JSON.stringify(readdirSync('/sandbox').filter((f) => f !== 'node_modules')));",
        "console.log('secreto', existsSync('/tmp/secreto.txt'));",
        "console.log('marca', String((globalThis as any).marca), 'huella', String(process.env.HUELLA));",
        "console.log('módulos', Object.keys(require.cache).filter((m) => !m.includes('node_modules')).length);",
      ].join('\n'),
    );
    expect(second.stderr).toBe('');
    expect(second.result).toMatchObject({ warm: true, reason: 'finished', exitCode: 0 });
    expect(second.stdout).toContain('tmp []');
    expect(second.stdout).toContain('sandbox ["producer.mjs"]');
    expect(second.stdout).toContain('secreto false');
    expect(second.stdout).toContain('marca undefined huella undefined');
    expect(second.stdout).toContain('módulos 0');
  });

  it('Detener en un sandbox caliente termina la ejecución como detenida', async () => {
    await warmedUp();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 500);
    const { result } = await run("import 'kafkajs';\nsetInterval(() => console.log('sigo'), 100);", { signal: stop.signal });
    expect(result).toMatchObject({ warm: true, reason: 'stopped' });
  });

  it('las variables que cambiarían node se rechazan también en caliente', async () => {
    await warmedUp();
    const { result } = await run('console.log(1)', { env: { NODE_OPTIONS: '--require /tmp/x.js' } });
    expect(result.reason).toBe('error');
  });

  it('con otra red no usa un sandbox caliente: libera uno y corre en frío, sin «ocupado»', async () => {
    await warmedUp();
    await warmedUp();
    const { result, stdout } = await run('console.log("en frío")', { endpoints: ['127.0.0.1:9093'] });
    expect(result).toMatchObject({ warm: false, reason: 'finished' });
    expect(stdout).toBe('en frío\n');
  });

  it('tantas ejecuciones seguidas como ranuras: ninguna choca con un sandbox que se está preparando («ocupado»)', async () => {
    // As the queue lets them through: never more at once than slots, each right after the last.
    const outcomes = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const ends: string[] = [];
        for (let i = 0; i < 8; i++) ends.push((await run('console.log("otra")').catch((error: Error) => ({ result: { reason: error.message } }))).result.reason);
        return ends;
      }),
    );
    expect(outcomes.flat()).toEqual(Array(CONCURRENCY * 8).fill('finished'));
  });

  it('otro servidor en la misma máquina no se queda sin ranuras: los calientes ociosos ceden la suya', async () => {
    const deadline = Date.now() + 15_000;
    while (host.warm!.idleCount() < CONCURRENCY && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(host.warm!.idleCount()).toBe(CONCURRENCY); // every slot held by an idle warm sandbox
    const other = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-warm-test-2' });
    const out: SandboxOutput[] = [];
    const result = await runTypeScript(
      { files: [{ name: 'p.ts', content: 'console.log("del otro servidor")' }], entry: 'p.ts', env: {}, limits: { wallMs: 10_000 } },
      (o) => out.push(o),
      other,
    );
    expect(result).toMatchObject({ reason: 'finished', warm: false });
    expect(out.map((o) => o.text).join('')).toBe('del otro servidor\n');
  });

  it('al cerrar el conjunto no queda ningún proceso de sus uids', async () => {
    await host.warm!.close();
    const deadline = Date.now() + 5_000;
    while ((await sandboxUidProcesses()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await sandboxUidProcesses()).toBe(0);
  });
});
