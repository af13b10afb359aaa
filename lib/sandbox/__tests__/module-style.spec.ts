import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moduleStyleOf } from '../module-style';
import { mapStackToSnippet } from '../stack';
import { compileSnippet } from '../transpile';

const dir = mkdtempSync(path.join(tmpdir(), 'cauce-module-style-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Compiles the files and runs the first with this machine's node (no sandbox: only module semantics are under test). */
function run(files: { name: string; content: string }[]): { stdout: string; stderr: string; compiled: ReturnType<typeof compileSnippet> } {
  const compiled = compileSnippet(files);
  expect(compiled.diagnostics).toEqual([]);
  for (const file of compiled.files) writeFileSync(path.join(dir, file.name), file.js);
  try {
    const stdout = execFileSync(process.execPath, ['--enable-source-maps', path.join(dir, compiled.files[0]!.name)], { encoding: 'utf8', stdio: 'pipe' });
    return { stdout, stderr: '', compiled };
  } catch (error) {
    const e = error as { stdout: string; stderr: string };
    return { stdout: e.stdout, stderr: e.stderr, compiled };
  }
}

// kafkajs's README and examples: CommonJS, an async run() and `run().catch(console.error)`.
const KAFKAJS_DOCS_STYLE = `const { join } = require('node:path')
const run = async () => {
  console.log('ok', join('a', 'b'))
}
run().catch(console.error)
`;

describe('los dos estilos de módulo', () => {
  it('el alumno pega un ejemplo CommonJS de la documentación de kafkajs y se ejecuta tal cual', () => {
    expect(moduleStyleOf(KAFKAJS_DOCS_STYLE, 'producer.ts')).toBe('commonjs');
    const { stdout, stderr, compiled } = run([{ name: 'producer.ts', content: KAFKAJS_DOCS_STYLE }]);
    expect(compiled.files[0]!.name).toBe('producer.cjs');
    expect(stderr).toBe('');
    expect(stdout).toBe('ok a/b\n');
  });

  it('require junto con await de nivel superior (la guía de inicio de kafkajs) también funciona', () => {
    const source = "const { join } = require('node:path')\nawait Promise.resolve()\nconsole.log(join('x', 'y'), typeof __dirname)\nthrow new Error('línea 4')\n";
    expect(moduleStyleOf(source, 'producer.ts')).toBe('esm');
    const { stdout, stderr, compiled } = run([{ name: 'producer.ts', content: source }]);
    expect(compiled.files[0]!.name).toBe('producer.mjs');
    expect(stdout).toBe('x/y string\n');
    // The prelude adds no lines of its own: the error still points at the student's line 4.
    expect(mapStackToSnippet(stderr.replaceAll(dir, '/sandbox'), compiled.files)).toMatch(/producer\.ts:4:7/);
  });

  it('un módulo CommonJS se puede requerir e importar desde otro archivo', () => {
    const util = 'exports.doble = (n: number) => n * 2\nmodule.exports.triple = (n: number) => n * 3\n';
    const viaRequire = run([
      { name: 'main.ts', content: "const { doble } = require('./util')\nconsole.log(doble(2))\n" },
      { name: 'util.ts', content: util },
    ]);
    expect(viaRequire.compiled.files.map((f) => f.name)).toEqual(['main.cjs', 'util.cjs']);
    expect(viaRequire.stdout).toBe('4\n');
    const viaImport = run([
      { name: 'main.ts', content: "import { triple } from './util'\nconsole.log(triple(2))\n" },
      { name: 'util.ts', content: util },
    ]);
    expect(viaImport.stderr).toBe('');
    expect(viaImport.stdout).toBe('6\n');
  });

  it('los ejemplos de las lecciones siguen siendo módulos ES, sin nada añadido', () => {
    const source = "import { Kafka } from 'kafkajs'\nconst kafka = new Kafka({ brokers: [] })\n";
    expect(moduleStyleOf(source, 'producer.ts')).toBe('esm');
    expect(compileSnippet([{ name: 'producer.ts', content: source }]).files[0]!.js).not.toContain('createRequire');
    // A program that declares its own require keeps it.
    expect(moduleStyleOf("const require = (n: string) => n\nconsole.log(require('x'))\n", 'a.ts')).toBe('esm');
  });
});
