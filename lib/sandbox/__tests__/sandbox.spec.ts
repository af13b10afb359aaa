/**
 * Hostile programs against the real sandbox (bwrap, setpriv, prlimit, node). Needs root, as
 * the server does. No broker needed except the last, optional test (CAUCE_TEST_BROKERS).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertSandboxPrerequisites } from './prerequisites';
import { runTypeScript, SandboxBusyError, SandboxHost, SandboxLimitError, SnippetCompileError, SnippetInputError, type SandboxOutput } from '../index';
import type { SandboxLimits } from '@/lib/limits';

const FIRST_UID = 61_100; // away from the server's 61000+ so a running dev server never clashes
const CONCURRENCY = 2;
const host = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-test' });
const bare = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-test', nodePermissions: false });

interface Ran {
  result: Awaited<ReturnType<typeof runTypeScript>>;
  out: SandboxOutput[];
  stdout: string;
  stderr: string;
}

async function run(
  code: string,
  options: { limits?: Partial<SandboxLimits>; signal?: AbortSignal; host?: SandboxHost; extra?: { name: string; content: string }[] } = {},
): Promise<Ran> {
  const out: SandboxOutput[] = [];
  const result = await runTypeScript(
    {
      files: [{ name: 'producer.ts', content: code }, ...(options.extra ?? [])],
      entry: 'producer.ts',
      env: { KAFKA_BROKERS: '127.0.0.1:9092' },
      limits: { wallMs: 10_000, ...options.limits },
      signal: options.signal,
    },
    (o) => out.push(o),
    options.host ?? host,
  );
  const text = (stream: string) =>
    out
      .filter((o) => o.stream === stream)
      .map((o) => o.text)
      .join('');
  return { result, out, stdout: text('stdout'), stderr: text('stderr') };
}

async function sandboxUidProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (uid >= FIRST_UID && uid < FIRST_UID + CONCURRENCY && !/^State:\s+Z/m.test(status)) pids.push(Number(entry));
  }
  return pids;
}

describe('sandbox con programas hostiles', { timeout: 30_000 }, () => {
  beforeAll(assertSandboxPrerequisites);

  afterEach(async () => {
    // The host is fine: nothing of the run is left running, and its files are gone.
    expect(await sandboxUidProcesses()).toEqual([]);
    for (let i = 0; i < CONCURRENCY; i++) {
      const dir = `/run/cauce-sandbox-test/uid-${FIRST_UID + i}`;
      if (existsSync(dir)) expect(await readdir(dir)).toEqual([]);
    }
  });

  it('el alumno ejecuta un console.log con await de nivel superior e importa kafkajs', async () => {
    const { result, stdout, stderr } = await run(
      "import { Kafka, logLevel } from 'kafkajs';\nawait new Promise((r) => setTimeout(r, 5));\n" +
        'const kafka = new Kafka({ brokers: [process.env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING });\n' +
        "console.log('hola', typeof kafka.producer);",
    );
    expect(stderr).toBe('');
    expect(stdout).toBe('hola function\n');
    expect(result).toMatchObject({ reason: 'finished', exitCode: 0, message: null, truncated: false, error: null });
  });

  it('kafkajs llega al sandbox en un solo archivo, que carga antes que los ~150 del paquete (el paquete queda de reserva)', async () => {
    const code =
      "import { createRequire } from 'node:module';\nimport { Kafka } from 'kafkajs';\n" +
      "const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/kafkajs-real/'));\n" +
      "console.log(typeof Kafka, loaded.length, loaded.slice(0, 2).join(' '));";
    // The /sandbox prefix is dropped from what the student reads.
    // kafkajs.js itself is compiled from V8's code cache by index.js (not through require's cache).
    expect((await run(code)).stdout).toBe('function 1 node_modules/kafkajs-real/index.js\n');
    const packageTree = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-test', bundleKafkajs: false });
    const { stdout } = await run(code, { host: packageTree });
    expect(Number(stdout.split(' ')[1])).toBeGreaterThan(100);
  });

  it('el node del sandbox acepta la caché de código de V8 que el servidor hizo para kafkajs (arranca con las mismas banderas)', async () => {
    const code =
      "import fs from 'node:fs';\nimport Module from 'node:module';\nimport vm from 'node:vm';\n" +
      "const file = '/sandbox/node_modules/kafkajs-real/kafkajs.js';\n" +
      "const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: fs.readFileSync(file + '.cache') });\n" +
      "console.log('rechazada:', script.cachedDataRejected);";
    // Rejected, V8 would compile kafkajs on every run again: a V8 flag on node's command line does that.
    const { stdout, stderr } = await run(code);
    expect(stderr).toBe('');
    expect(stdout).toBe('rechazada: false\n');
  });

  it('el alumno reparte su código en dos archivos', async () => {
    const { stdout } = await run("import { topic } from './config';\nconsole.log(topic);", {
      extra: [{ name: 'config.ts', content: "export const topic: string = 'pedidos';" }],
    });
    expect(stdout).toBe('pedidos\n');
  });

  it('un bucle infinito se detiene por tiempo con un mensaje claro', async () => {
    const { result } = await run('for (;;) {}', { limits: { wallMs: 1_500, cpuSeconds: 20 } });
    expect(result.reason).toBe('timeout');
    expect(result.message).toBe('Tu programa superó el límite de 1.5 s y fue detenido.');
    expect(result.error).toBeInstanceOf(SandboxLimitError);
    expect(result.durationMs).toBeLessThan(3_000);
  });

  it('un bucle que atrapa SIGXCPU igual se detiene por CPU', async () => {
    const { result } = await run("process.on('SIGXCPU', () => console.log('ignoro'));\nfor (;;) {}", {
      limits: { cpuSeconds: 1, wallMs: 15_000 },
    });
    expect(result.reason).toBe('cpu-limit');
    expect(result.message).toMatch(/^Tu programa usó más de 1 s de CPU y fue detenido/);
  });

  it('un bucle normal se detiene por CPU con SIGXCPU', async () => {
    const { result } = await run('for (;;) {}', { limits: { cpuSeconds: 1, wallMs: 15_000 } });
    expect(result).toMatchObject({ reason: 'cpu-limit', signal: 'SIGXCPU' });
  });

  it('una bomba de memoria termina en límite de memoria', async () => {
    const { result, stderr } = await run('const a: number[][] = [];\nfor (;;) a.push(new Array(1e5).fill(1.5));', {
      limits: { memoryMb: 128 },
    });
    expect(result.reason).toBe('memory-limit');
    expect(result.message).toMatch(/^Tu programa usó más memoria de la permitida \(128 MB\)/);
    expect(stderr).not.toMatch(/0x[0-9a-f]{6,}/); // no native backtrace noise
  });

  it('una bomba de Buffers (fuera del heap) choca con RLIMIT_AS', async () => {
    const { result } = await run('const b: Buffer[] = [];\nfor (;;) b.push(Buffer.alloc(64 * 1024 * 1024, 1));', {
      limits: { memoryMb: 128 },
    });
    expect(result.reason).toBe('memory-limit');
  });

  it('crear procesos está prohibido y se explica', async () => {
    const { result, stderr } = await run("import { spawn } from 'node:child_process';\nspawn('sh', ['-c', 'id']);");
    expect(result.denied).toBe('process');
    expect(result.message).toMatch(/no puede crear otros procesos/);
    expect(stderr).toContain('producer.ts:2');
  });

  it('process.binding está prohibido', async () => {
    const { result } = await run("(process as any).binding('spawn_sync');");
    expect(result.denied).toBe('native');
  });

  it('una bomba de fork sin la capa de permisos de Node choca con RLIMIT_NPROC y el servidor sigue bien', async () => {
    const code = `import { spawn } from 'node:child_process';
let ok = 0, refused = 0;
for (let i = 0; i < 200; i++) {
  try { const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)']); c.on('error', () => {}); if (c.pid) ok++; else refused++; } catch { refused++; }
}
console.log(JSON.stringify({ ok, refused }));
process.exit(0);`;
    const { result, stdout } = await run(code, { host: bare, limits: { processes: 32 } });
    const counts = JSON.parse(stdout) as { ok: number; refused: number };
    expect(counts.ok).toBeLessThan(32);
    expect(counts.refused).toBeGreaterThan(150);
    expect(result.reason).toBe('finished');
  });

  it('sin la capa de permisos, no hay shell ni binarios que lanzar', async () => {
    const { stdout } = await run("import { spawnSync } from 'node:child_process';\nconsole.log(spawnSync('sh', ['-c', 'id']).error?.message);", { host: bare });
    expect(stdout).toBe('spawnSync sh ENOENT\n');
  });

  it.each([['/etc/shadow'], ['/work/main/package.json'], ['/root/.bashrc'], ['/proc/1/root/etc/shadow']])('leer %s falla, con y sin la capa de permisos de Node', async (file) => {
    const code = `import { readFileSync } from 'node:fs';\ntry { readFileSync('${file}'); console.log('LEÍDO'); } catch (e: any) { console.log(e.code); }`;
    for (const h of [host, bare]) {
      const { stdout } = await run(code, { host: h });
      expect(stdout).not.toContain('LEÍDO');
    }
  });

  it('el entorno del servidor no llega al programa (ni por /proc)', async () => {
    process.env.CAUCE_TEST_SECRET = 'secreto-del-servidor';
    try {
      const code = `import { readFileSync } from 'node:fs';
console.log(JSON.stringify(process.env));
for (const f of ['/proc/1/environ', '/proc/self/environ']) { try { console.log(readFileSync(f, 'utf8')); } catch (e: any) { console.log(e.code); } }`;
      for (const h of [host, bare]) {
        const { stdout } = await run(code, { host: h });
        expect(stdout).not.toContain('secreto-del-servidor');
        const env = JSON.parse(stdout.split('\n')[0] ?? '{}') as Record<string, string>;
        expect(Object.keys(env).sort()).toEqual(['HOME', 'KAFKA_BROKERS', 'MALLOC_ARENA_MAX', 'PATH', 'PWD']);
        expect(env.KAFKA_BROKERS).toBe('127.0.0.1:9092');
      }
    } finally {
      delete process.env.CAUCE_TEST_SECRET;
    }
  });

  it('solo /tmp es escribible', async () => {
    const code = `import { writeFileSync, readFileSync } from 'node:fs';
for (const f of ['/sandbox/x.txt', '/usr/x', '/x', '/dev/x', '/dev/shm/x', '/proc/x', '/sandbox/node_modules/kafkajs/index.js']) { try { writeFileSync(f, 'x'); console.log('ESCRITO', f); } catch (e: any) { console.log(e.code); } }
try { writeFileSync('/dev/null', 'x'); console.log('null-ok'); } catch (e: any) { console.log(e.code); }
writeFileSync('/tmp/ok.txt', 'hola'); console.log(readFileSync('/tmp/ok.txt', 'utf8'));`;
    for (const h of [host, bare]) {
      const { stdout } = await run(code, { host: h });
      expect(stdout).not.toContain('ESCRITO');
      expect(stdout).toMatch(/hola\n$/);
      if (h === bare) expect(stdout).toContain('null-ok'); // read-only /dev still has working devices
    }
    const { result } = await run("import { writeFileSync } from 'node:fs';\nwriteFileSync('/sandbox/x.txt', 'x');");
    expect(result.denied).toBe('fs-write');
    expect(result.message).toBe('Tu programa solo puede escribir archivos dentro de /tmp.');
  });

  it('50 MB de salida se cortan en 1 MB y se avisa', async () => {
    const { result, out } = await run("const line = 'x'.repeat(1023) + '\\n';\nfor (let i = 0; i < 50 * 1024; i++) process.stdout.write(line);");
    const bytes = out.reduce((n, o) => n + Buffer.byteLength(o.text), 0);
    expect(result).toMatchObject({ reason: 'output-limit', truncated: true });
    expect(bytes).toBe(1_048_576);
    expect(result.message).toBe('La salida superó 1 MB; se muestra truncada.');
  });

  it('una línea enorme sin salto llega en trozos', async () => {
    const { out } = await run("process.stdout.write('y'.repeat(100_000));");
    expect(out.every((o) => o.text.length <= 8192)).toBe(true);
    expect(out.map((o) => o.text).join('')).toBe('y'.repeat(100_000));
  });

  it('un error de sintaxis se informa con línea y mensaje en español y no se ejecuta nada', async () => {
    const error = await run("console.log('no debería salir');\nconst a = 1;\nconst b = ;\n").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnippetCompileError);
    expect((error as SnippetCompileError).diagnostics).toEqual([{ file: 'producer.ts', line: 3, column: 11, message: 'Se esperaba una expresión.' }]);
    expect((error as SnippetCompileError).message).toMatch(/^Tu código tiene un error de sintaxis \(producer\.ts:3:11/);
  });

  it('una excepción en tiempo de ejecución apunta a la línea del .ts del alumno', async () => {
    const code = 'interface Pedido { id: number }\n\nfunction enviar(p: Pedido): void {\n  throw new Error(`fallo ${p.id}`);\n}\nenviar({ id: 7 });\n';
    const { result, stderr } = await run(code);
    expect(result).toMatchObject({ reason: 'finished', exitCode: 1 });
    expect(stderr).toContain('Error: fallo 7');
    expect(stderr).toMatch(/at enviar \(producer\.ts:4:9\)/);
    expect(stderr).toMatch(/producer\.ts:6:1/);
    expect(stderr).not.toMatch(/\/sandbox|\.mjs|\/work|\/run/);
  });

  it('el alumno pulsa Detener y la ejecución termina', async () => {
    const controller = new AbortController();
    const pending = run("console.log('empiezo');\nsetInterval(() => {}, 1000);", { signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    const { result, stdout } = await pending;
    expect(stdout).toBe('empiezo\n');
    expect(result).toMatchObject({ reason: 'stopped', message: 'Detuviste la ejecución.' });
  });

  it('código de más de 64 KB se rechaza antes de empezar', async () => {
    const error = await run(`// ${'x'.repeat(70 * 1024)}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnippetInputError);
    expect((error as Error).message).toMatch(/máximo es 64 KB/);
  });

  it('llenar /tmp choca con el tamaño del tmpfs del slot, no con la RAM del servidor', async () => {
    const code = `import { writeFileSync } from 'node:fs';
let n = 0;
try { for (; n < 200; n++) writeFileSync('/tmp/f' + n, Buffer.alloc(1024 * 1024)); } catch (e: any) { console.log(e.code); }
console.log(n);`;
    const { stdout } = await run(code);
    const [code_, written] = stdout.trim().split('\n');
    expect(code_).toBe('ENOSPC');
    expect(Number(written)).toBeLessThan(40);
  });

  it('escribir más de lo permitido en /tmp falla (RLIMIT_FSIZE)', async () => {
    const code = `import { writeFileSync } from 'node:fs';\ntry { writeFileSync('/tmp/big', Buffer.alloc(3 * 1024 * 1024)); console.log('ESCRITO'); } catch (e: any) { console.log(e.code); }`;
    const { stdout } = await run(code, { limits: { fileSizeMb: 1 } });
    expect(stdout).toBe('EFBIG\n');
  });

  it('dos ejecuciones a la vez usan uids distintos y una tercera espera turno', async () => {
    const code = 'console.log(process.getuid());\nawait new Promise((r) => setTimeout(r, 1_000));';
    const first = run(code);
    const second = run(code);
    await new Promise((r) => setTimeout(r, 300));
    const third = await run(code).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(SandboxBusyError);
    expect((third as SandboxBusyError).retriable).toBe(true);
    const uids = (await Promise.all([first, second])).map((r) => Number(r.stdout));
    expect(new Set(uids).size).toBe(2);
    for (const uid of uids) expect(uid).toBeGreaterThanOrEqual(FIRST_UID);
  });
});
