import { describe, expect, it } from 'vitest';
import { buildSandboxCommand } from '../command';
import { nodeSandboxSpec } from '../kinds/node';
import { DEFAULT_KAFKA_TS_LIMITS, MAX_CHUNK_CHARS, MAX_RUN_BYTES } from '@/lib/limits';
import { SnippetInputError, validateSnippetFiles, prepareSnippet } from '../index';
import { OutputCollector, type SandboxOutput } from '../output';
import { mapStackToSnippet, isRuntimeNoise } from '../stack';
import { transpileSnippet } from '../transpile';
import { endMessage } from '../messages';

describe('validación de la entrada', () => {
  it('el alumno envía más de 64 KB de código y se rechaza antes de ejecutar, en español', () => {
    const content = 'x'.repeat(MAX_RUN_BYTES + 1);
    expect(() => validateSnippetFiles([{ name: 'producer.ts', content }], 'producer.ts')).toThrow(SnippetInputError);
    expect(() => validateSnippetFiles([{ name: 'producer.ts', content }], 'producer.ts')).toThrow(/ocupa 65 KB y el máximo es 64 KB/);
  });

  it('rechaza nombres de archivo que salen de /sandbox', () => {
    for (const name of ['../x.ts', 'a/b.ts', '.hidden.ts', 'x.sh', 'node_modules/kafkajs/index.js']) {
      expect(() => validateSnippetFiles([{ name, content: '' }], name), name).toThrow(/no es válido/);
    }
  });

  it('exige que el archivo principal exista', () => {
    expect(() => validateSnippetFiles([{ name: 'a.ts', content: '' }], 'b.ts')).toThrow(/No se encontró el archivo principal/);
  });
});

describe('transpilación', () => {
  it('el alumno escribe un error de sintaxis y ve línea y columna con un mensaje en español', () => {
    const { diagnostics } = transpileSnippet("const a = 1;\nconsole.log('x');\nconst b = ;\n", 'producer.ts');
    expect(diagnostics).toEqual([{ file: 'producer.ts', line: 3, column: 11, message: 'Se esperaba una expresión.' }]);
  });

  it('los errores de tipos no impiden ejecutar (son cosa del editor)', () => {
    expect(transpileSnippet("const n: number = 'a';", 'producer.ts').diagnostics).toEqual([]);
  });

  it('reescribe las importaciones relativas al .mjs emitido y deja kafkajs intacto', () => {
    const { js } = transpileSnippet(
      "import { Kafka } from 'kafkajs';\nimport { topic } from './config';\nexport * from './config.ts';\nconst m = await import('./config.js');\nconsole.log(Kafka, topic, m);",
      'producer.ts',
      ['producer.ts', 'config.ts'],
    );
    expect(js).toContain("from 'kafkajs'");
    expect(js).toContain('import { topic } from "./config.mjs"');
    expect(js).toContain('export * from "./config.mjs"');
    expect(js).toContain('await import("./config.mjs")');
  });

  it('mapea una posición del .mjs a la línea del .ts del alumno', () => {
    const source = "interface Msg { value: string }\n\nconst m: Msg = { value: 'a' };\nthrow new Error(m.value);\n";
    const { js, sourceMap } = transpileSnippet(source, 'producer.ts');
    const line = js.split('\n').findIndex((l) => l.startsWith('throw')) + 1;
    const text = `    at file:///sandbox/producer.mjs:${line}:7`;
    expect(mapStackToSnippet(text, [{ name: 'producer.mjs', sourceMap }])).toBe('    at producer.ts:4:7');
  });
});

describe('salida', () => {
  const collect = (limitBytes: number) => {
    const out: SandboxOutput[] = [];
    return { out, collector: new OutputCollector({ limitBytes, emit: (o) => out.push(o) }) };
  };

  it('parte por líneas aunque lleguen cortadas, y respeta UTF-8 partido', () => {
    const { out, collector } = collect(1000);
    const bytes = Buffer.from('hola ñandú\nadiós\nsin fin');
    collector.write('stdout', bytes.subarray(0, 9)); // cuts "ñ" in half
    collector.write('stdout', bytes.subarray(9));
    collector.end();
    expect(out.map((o) => o.text)).toEqual(['hola ñandú\n', 'adiós\n', 'sin fin']);
  });

  it('trocea líneas muy largas', () => {
    const { out, collector } = collect(1_000_000);
    collector.write('stdout', Buffer.from('a'.repeat(MAX_CHUNK_CHARS * 2 + 5) + '\n'));
    expect(out.map((o) => o.text.length)).toEqual([MAX_CHUNK_CHARS, MAX_CHUNK_CHARS, 6]);
  });

  it('corta exactamente en el límite y avisa', () => {
    const { out, collector } = collect(10);
    expect(collector.write('stdout', Buffer.from('12345\n'))).toBe(true);
    expect(collector.write('stderr', Buffer.from('67890\nxyz'))).toBe(false);
    expect(out.map((o) => o.text).join('')).toBe('12345\n6789');
    expect(collector.truncated).toBe(true);
  });

  it('oculta los marcos internos de Node pero no los del alumno', () => {
    expect(isRuntimeNoise('    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)')).toBe(true);
    expect(isRuntimeNoise('    at async asyncRunEntryPointWithESMLoader (node:internal/modules/run_main:117:5)')).toBe(true);
    expect(isRuntimeNoise('    at main (producer.ts:3:7)')).toBe(false);
  });
});

describe('mensajes', () => {
  it('cada final tiene su frase en español', () => {
    const m = (reason: Parameters<typeof endMessage>[0]['reason']) => endMessage({ reason, exitCode: null, signal: null }, DEFAULT_KAFKA_TS_LIMITS);
    expect(m('timeout')).toBe('Tu programa superó el límite de 30 s y fue detenido.');
    expect(m('memory-limit')).toMatch(/^Tu programa usó más memoria de la permitida \(256 MB\)/);
    expect(m('output-limit')).toBe('La salida superó 1 MB; se muestra truncada.');
    expect(m('cpu-limit')).toMatch(/más de 10 s de CPU/);
    expect(m('stopped')).toBe('Detuviste la ejecución.');
    expect(m('finished')).toBeNull();
  });
});

describe('comando', () => {
  const runtime = { nodePath: '/usr/bin/node', nodeMajor: 20, kafkajsDir: '/k', kafkajsShimDir: '/s', relayPreload: '/r.mjs', warmBoot: '/w.mjs', systemArgs: [] };
  const network = { relayDir: '/n', routes: [{ listenHost: '127.0.0.1', port: 9092, socket: '/run/cauce-relay/0.sock' }], hostsFile: '/n/hosts' };
  const base = { uid: 61002, limits: DEFAULT_KAFKA_TS_LIMITS, runtime, dirs: { src: '/s', tmp: '/t' }, entry: 'producer.mjs', network, cgroupProcs: ['/cg/cgroup.procs'] };

  it('une el cgroup, baja de uid, pone límites y aísla la red, sin shell del alumno', () => {
    const { file, args } = buildSandboxCommand(nodeSandboxSpec({ ...base, env: { KAFKA_BROKERS: '127.0.0.1:9092' } }));
    expect(file).toBe('/bin/bash');
    // The prelude is fixed text; the cgroup files and the chain come as its arguments.
    expect(args.slice(4, 8)).toEqual(['cauce-sandbox', '1', '/cg/cgroup.procs', '/usr/bin/setpriv']);
    expect(args.slice(8, 12)).toEqual(['--reuid', '61002', '--regid', '61002']);
    expect(args).toContain('--nproc=32');
    expect(args).toContain('--clearenv');
    expect(args).toContain('--unshare-net');
    expect(args.join(' ')).toContain('--ro-bind /n /run/cauce-relay');
    expect(args.join(' ')).toContain('--ro-bind /n/hosts /etc/hosts');
    expect(args).toContain('--import');
    expect(args.at(-1)).toBe('/sandbox/producer.mjs');
  });

  it('con cgroup, node arranca sin banderas de V8 (usa la caché de código de sus módulos); sin cgroup, el heap de V8 es el único tope', () => {
    const argv = (cgroupProcs: string[]) => nodeSandboxSpec({ ...base, cgroupProcs, env: {} }).argv;
    // Any V8 flag makes node compile its own modules from source on every run.
    expect(argv(['/cg/cgroup.procs']).filter((arg) => arg.startsWith('--max-'))).toEqual([]);
    expect(argv([])).toContain(`--max-old-space-size=${DEFAULT_KAFKA_TS_LIMITS.memoryMb}`);
  });

  it('no deja pasar variables que cambian node, el cargador o el relé', () => {
    for (const key of ['NODE_OPTIONS', 'LD_PRELOAD', 'PATH', 'lower', 'CAUCE_RELAYS']) {
      expect(() => nodeSandboxSpec({ ...base, env: { [key]: 'x' } }), key).toThrow(RangeError);
    }
  });

  it('prepareSnippet prepara una vez cada versión del código: la misma da lo mismo, una edición da lo nuevo', () => {
    const first = prepareSnippet([{ name: 'producer.ts', content: 'console.log("a")' }], 'producer.ts');
    expect(prepareSnippet([{ name: 'producer.ts', content: 'console.log("a")' }], 'producer.ts')).toBe(first);
    const edited = prepareSnippet([{ name: 'producer.ts', content: 'console.log("b")' }], 'producer.ts');
    expect(edited.files[0]!.js).toContain('"b"');
    expect(prepareSnippet([{ name: 'other.ts', content: 'console.log("a")' }], 'other.ts').entry).toBe('other.mjs');
    expect(prepareSnippet([{ name: 'producer.ts', content: 'const = 1' }], 'producer.ts').diagnostics.length).toBeGreaterThan(0);
  });

  it('prepareSnippet entrega el nombre .mjs del archivo principal', () => {
    expect(prepareSnippet([{ name: 'producer.ts', content: 'console.log(1)' }], 'producer.ts').entry).toBe('producer.mjs');
  });
});
