import { describe, expect, it } from 'vitest';
import { startRun } from './start';

const valid = {
  lesson: 'kafka/productor',
  snippet: 'kafka/productor/productor-de-mensajes',
  kind: 'kafka-ts',
  files: [{ name: 'producer.ts', content: "console.log('hola')\n" }],
};

describe('startRun refuses bad input before any work starts', () => {
  it('code over 64 KB → 413 with a Spanish message', () => {
    const result = startRun({ ...valid, files: [{ name: 'producer.ts', content: 'x'.repeat(64 * 1024 + 1) }] });
    expect(result).toMatchObject({ ok: false, status: 413 });
    expect(!result.ok && result.message).toMatch(/supera el máximo de 64 KB/);
  });

  it('a malformed request → 400 naming the field', () => {
    const result = startRun({ ...valid, files: 'no es una lista' });
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.message).toMatch(/no es válida[\s\S]*files/);
  });

  it('an unknown snippet kind → 400', () => {
    expect(startRun({ ...valid, kind: 'cobol' })).toMatchObject({ ok: false, status: 400 });
  });

  it('extra fields are refused (strict schema)', () => {
    expect(startRun({ ...valid, admin: true })).toMatchObject({ ok: false, status: 400 });
  });

  it('a kind the lab cannot run yet → 422 explaining it', () => {
    const result = startRun({ ...valid, kind: 'pyspark', files: [{ name: 'job.py', content: 'print(1)\n' }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    expect(!result.ok && result.message).toMatch(/todavía no se puede ejecutar/);
  });

  it("a syntax error → 422 with a diagnostic at the student's line, nothing run", () => {
    const result = startRun({ ...valid, files: [{ name: 'producer.ts', content: "console.log('ok')\nconst = 5\n" }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    if (result.ok) return;
    expect(result.message).toMatch(/producer\.ts, línea 2/);
    expect(result.diagnostics?.[0]).toMatchObject({ file: 'producer.ts', line: 2 });
  });

  it('a file name that tries to leave the sandbox folder → 400', () => {
    expect(startRun({ ...valid, files: [{ name: '../../etc/passwd.ts', content: '1' }] })).toMatchObject({ ok: false, status: 400 });
  });
});
