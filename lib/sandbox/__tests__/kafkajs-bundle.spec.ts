/**
 * kafkajs bundled into one file for the sandbox (lib/sandbox/kafkajs-bundle.ts): it loads as the
 * package does, the shim still puts the broker's refusal reason into kafkajs's errors, and a
 * failed build leaves runs on the package tree. The sandbox's own use of it is in sandbox.spec.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KAFKAJS_INTERNALS_KEY, kafkajsBundle } from '../kafkajs-bundle';

const KAFKAJS = path.join(process.cwd(), 'node_modules', 'kafkajs');
const scratch = mkdtempSync(path.join(tmpdir(), 'cauce-kafkajs-bundle-'));
const cacheDir = path.join(scratch, 'cache');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `script` as CommonJS in a folder whose node_modules hold the shim and `real` as kafkajs-real, as /sandbox does. */
function nodeWith(real: string, script: string): string {
  const dir = mkdtempSync(path.join(scratch, 'run-'));
  mkdirSync(path.join(dir, 'node_modules'));
  // Copied, not linked: node resolves links to their target, where kafkajs-real is not found.
  cpSync(path.join(process.cwd(), 'lib', 'sandbox', 'kafkajs-shim'), path.join(dir, 'node_modules', 'kafkajs'), { recursive: true });
  symlinkSync(real, path.join(dir, 'node_modules', 'kafkajs-real'));
  writeFileSync(path.join(dir, 'script.cjs'), script);
  // No stdin: on a pipe the shim would exit when it closes ("Detener").
  const child = spawnSync(process.execPath, ['script.cjs'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(child.stderr).toBe('');
  return child.stdout;
}

/** What an ES module importing 'kafkajs' (the student's code, through the shim) can name. */
function importableNames(real: string): string[] {
  const out = nodeWith(real, "import('kafkajs').then((ns) => console.log(JSON.stringify(Object.keys(ns))));");
  return JSON.parse(out) as string[];
}

const REASON = 'Cauce: un tema admite como máximo 12 particiones (pediste 1000).';

/**
 * A CreateTopics refusal (POLICY_VIOLATION, code 44, with the broker's reason) parsed by each
 * response version kafkajs may use, with the shim loaded: the messages the student would read.
 */
function refusalMessages(real: string): { message: string; inner: string[] }[] {
  const out = nodeWith(
    real,
    `const real = require('kafkajs-real');
const bundled = real[Symbol.for(${JSON.stringify(KAFKAJS_INTERNALS_KEY)})];
require('kafkajs');
const responses = bundled
  ? bundled.createTopicsResponses
  : ['v1', 'v2', 'v3'].map((v) => require('kafkajs-real/src/protocol/requests/createTopics/' + v + '/response'));
const data = { throttleTime: 0, topicErrors: [{ topic: 'ana.inundado', errorCode: 44, errorMessage: ${JSON.stringify(REASON)} }] };
Promise.all(responses.map((r) => r.parse(data).then(() => null, (e) => ({ message: e.message, inner: e.errors.map((i) => i.message) }))))
  .then((messages) => console.log(JSON.stringify(messages)));
`,
  );
  return JSON.parse(out) as { message: string; inner: string[] }[];
}

describe('kafkajs en un solo archivo para el sandbox', () => {
  let bundle: string;

  it('se construye una vez por contenido, legible para los uids del sandbox', { timeout: 60_000 }, async () => {
    bundle = (await kafkajsBundle({ kafkajsDir: KAFKAJS, cacheDir, nodePath: process.execPath }))!;
    expect(bundle).toMatch(/kafkajs-bundle-[0-9a-f]{12}$/);
    expect(readdirSync(bundle).sort()).toEqual(['index.js', 'kafkajs.js', 'kafkajs.js.cache', 'package.json']);
    expect(statSync(bundle).mode & 0o777).toBe(0o755);
    for (const name of readdirSync(bundle)) expect(statSync(path.join(bundle, name)).mode & 0o777).toBe(0o644);
    expect(readdirSync(cacheDir)).toEqual([path.basename(bundle)]); // no temp folder left behind
    expect(await kafkajsBundle({ kafkajsDir: KAFKAJS, cacheDir, nodePath: process.execPath })).toBe(bundle);
  });

  it('el alumno importa por nombre lo mismo que con el paquete', () => {
    const names = importableNames(bundle);
    expect(names).toContain('Kafka');
    expect(names).toContain('logLevel');
    expect(names).toEqual(importableNames(KAFKAJS));
  });

  it('un tema rechazado por la política del laboratorio: el motivo del broker llega al mensaje, una vez', () => {
    const expected = { message: `Topic creation errors: ana.inundado: ${REASON}`, inner: [`Request parameters do not satisfy the configured policy: ${REASON}`] };
    expect(refusalMessages(bundle)).toEqual([expected, expected, expected]);
    // The package tree, mounted when no bundle could be built, says the same.
    expect(refusalMessages(KAFKAJS)).toEqual([expected, expected, expected]);
  });

  it('el alumno no ve la clave interna que el paquete entrega al shim: kafkajs tiene lo mismo que el paquete', () => {
    const properties = (real: string) =>
      nodeWith(real, "const k = require('kafkajs'); console.log(JSON.stringify([Object.getOwnPropertyNames(k), Object.getOwnPropertySymbols(k)]));");
    expect(properties(bundle)).toBe(properties(KAFKAJS));
    expect(properties(bundle)).toMatch(/\[\]\]\n$/);
  });

  it('sin caché de código (no se pudo hacer), el paquete en un archivo se usa igual y el servidor lo anota', { timeout: 60_000 }, async () => {
    const sourceDir = path.join(scratch, 'no-code-cache');
    cpSync(path.join(process.cwd(), 'lib', 'sandbox', 'kafkajs-bundle'), sourceDir, { recursive: true });
    writeFileSync(path.join(sourceDir, 'code-cache.js'), "throw new Error('sin caché');\n");
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const built = (await kafkajsBundle({ kafkajsDir: KAFKAJS, cacheDir: path.join(scratch, 'cache-without'), nodePath: process.execPath, sourceDir }))!;
      expect(readdirSync(built).sort()).toEqual(['index.js', 'kafkajs.js', 'package.json']);
      expect(importableNames(built)).toEqual(importableNames(bundle));
      expect(String(logged.mock.calls[0]?.[0])).toMatch(/no V8 code cache for the kafkajs bundle/);
    } finally {
      logged.mockRestore();
    }
  });

  it('si no se puede construir, las ejecuciones siguen con el paquete y el servidor lo anota una vez', async () => {
    const broken = path.join(scratch, 'broken-kafkajs');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: 'kafkajs', version: '0.0.0-broken' }));
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const options = { kafkajsDir: broken, cacheDir, nodePath: process.execPath };
      expect(await kafkajsBundle(options)).toBeUndefined();
      expect(await kafkajsBundle(options)).toBeUndefined();
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0]?.[0])).toMatch(/kafkajs bundle could not be built/);
    } finally {
      logged.mockRestore();
    }
    expect(readdirSync(cacheDir)).toEqual([path.basename(bundle)]);
  });
});
