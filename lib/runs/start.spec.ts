import { describe, expect, it } from 'vitest';
import { startRun } from './start';

const valid = {
  lesson: 'kafka/productor',
  snippet: 'kafka/productor/productor-de-mensajes',
  kind: 'kafka-ts',
  files: [{ name: 'producer.ts', content: "console.log('hola')\n" }],
};

describe('startRun refuses bad input before any work starts', () => {
  it('code over 64 KB → 413 with a Spanish message', async () => {
    const result = await startRun({ ...valid, files: [{ name: 'producer.ts', content: 'x'.repeat(64 * 1024 + 1) }] });
    expect(result).toMatchObject({ ok: false, status: 413 });
    expect(!result.ok && result.message).toMatch(/supera el máximo de 64 KB/);
  });

  it('a malformed request → 400 naming the field', async () => {
    const result = await startRun({ ...valid, files: 'no es una lista' });
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.message).toMatch(/no es válida[\s\S]*files/);
  });

  it('an unknown snippet kind → 400', async () => {
    expect(await startRun({ ...valid, kind: 'cobol' })).toMatchObject({ ok: false, status: 400 });
  });

  it('extra fields are refused (strict schema)', async () => {
    expect(await startRun({ ...valid, admin: true })).toMatchObject({ ok: false, status: 400 });
  });

  it("a PySpark syntax error → 422 at the student's line in Spanish, nothing queued (Spark never sees it)", async () => {
    const spark = { lesson: 'kafka/spark-streaming', snippet: 'kafka/spark-streaming/de-kafka-a-s3', kind: 'pyspark' };
    const job = 'from pyspark.sql import SparkSession\n\nspark = SparkSession.builder.remote("sc://x:1").getOrCreate(\ndf = spark.range(3)\n';
    const result = await startRun({ ...spark, files: [{ name: 'kafka_a_s3.py', content: job }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    if (result.ok) return;
    expect(result.message).toMatch(/error de sintaxis en kafka_a_s3\.py, línea \d+/);
    expect(result.diagnostics?.[0]).toMatchObject({ file: 'kafka_a_s3.py', message: expect.stringMatching(/^Error de sintaxis: /) });
    expect([3, 4]).toContain(result.diagnostics?.[0]?.line);
  });

  it('a shell file with a name that is not bare → 400, nothing queued', async () => {
    const result = await startRun({
      lesson: 'hadoop/preparacion',
      snippet: 'hadoop/preparacion/comprobar-requisitos',
      kind: 'shell',
      files: [{ name: '../checks.sh', content: 'id\n' }],
    });
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it("a syntax error → 422 with a diagnostic at the student's line, nothing run", async () => {
    const result = await startRun({ ...valid, files: [{ name: 'producer.ts', content: "console.log('ok')\nconst = 5\n" }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    if (result.ok) return;
    expect(result.message).toMatch(/producer\.ts, línea 2/);
    expect(result.diagnostics?.[0]).toMatchObject({ file: 'producer.ts', line: 2 });
  });

  it('a file name that tries to leave the sandbox folder → 400', async () => {
    expect(await startRun({ ...valid, files: [{ name: '../../etc/passwd.ts', content: '1' }] })).toMatchObject({ ok: false, status: 400 });
  });
});

describe('startRun only runs the examples of the lessons', () => {
  it('an invented example of a real lesson → 404 telling the student to reload', async () => {
    const result = await startRun({ ...valid, snippet: 'kafka/productor/inventado' });
    expect(result).toEqual({ ok: false, status: 404, message: expect.stringMatching(/^Ese ejemplo no existe en la lección .*Recarga la página/) });
  });

  it('a lesson that does not exist → 404 naming it', async () => {
    const result = await startRun({ ...valid, lesson: 'kafka/no-existe', snippet: 'kafka/no-existe/productor-de-mensajes' });
    expect(result).toEqual({ ok: false, status: 404, message: expect.stringContaining('La lección «kafka/no-existe» no existe') });
  });

  it("a real example sent under another lesson's name → 404", async () => {
    expect(await startRun({ ...valid, lesson: 'kafka/consumidor' })).toMatchObject({ ok: false, status: 404 });
  });

  it('a real example with a kind that is not its own → 422', async () => {
    const result = await startRun({ ...valid, kind: 'airflow-dag', files: [{ name: 'dag.py', content: 'print(1)\n' }] });
    expect(result).toMatchObject({ ok: false, status: 422, message: expect.stringMatching(/no corresponde al tipo/) });
  });

  it('the unknown target is refused before the syntax check: no diagnostics for code that was never going to run', async () => {
    const result = await startRun({ ...valid, snippet: 'kafka/productor/inventado', files: [{ name: 'producer.ts', content: 'const = 5\n' }] });
    expect(result).toMatchObject({ ok: false, status: 404 });
    expect(result).not.toHaveProperty('diagnostics');
  });
});
