import { describe, expect, it, vi } from 'vitest';

// A fake executor that fails like a student's program with an exception.
vi.mock('@/lib/runs/kafka-ts', () => ({
  executeKafkaSnippet: async (run: import('./run').Run) => {
    run.emit({ type: 'stdout', text: 'conectando\n' });
    run.emit({ type: 'stderr', text: 'Error: tema inexistente\n' });
    run.emit({ type: 'exit', reason: 'failed', exitCode: 1, durationMs: 321.4, message: 'Tu programa terminó con un error.' });
  },
}));
vi.mock('@/lib/runs/airflow/dag', () => ({ executeAirflowDag: async () => undefined }));

const { db } = await import('@/lib/db');
const { createRun } = await import('./registry');
const { startRun } = await import('./start');

const request = {
  lesson: 'kafka/productor',
  snippet: 'kafka/productor/p',
  kind: 'kafka-ts' as const,
  files: [{ name: 'p.ts', content: "throw new Error('x')\n" }],
};

describe('cada ejecución queda registrada', () => {
  it('con alumno, lección, código, cómo terminó, duración y el error', async () => {
    const database = await db();
    const owner = { key: 'student:s1', studentId: null, courseId: null };
    const run = createRun(request, { owner });
    await vi.waitFor(async () => expect(await database.selectFrom('runs').selectAll().where('id', '=', run.id).executeTakeFirst()).toBeTruthy());
    const row = await database.selectFrom('runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ owner: 'student:s1', lesson: 'kafka/productor', snippet: 'kafka/productor/p', kind: 'kafka-ts', status: 'failed', exit_code: 1, duration_ms: 321 });
    expect(JSON.parse(row.code)).toEqual(request.files);
    expect(row.error).toBe('Tu programa terminó con un error.\nError: tema inexistente');
  });

  it('también las que se rechazan por un error de sintaxis (estado «rejected»)', async () => {
    const database = await db();
    const result = startRun({ ...request, files: [{ name: 'p.ts', content: 'const = 1\n' }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    await vi.waitFor(async () => expect(await database.selectFrom('runs').selectAll().where('status', '=', 'rejected').executeTakeFirst()).toBeTruthy());
    const row = await database.selectFrom('runs').selectAll().where('status', '=', 'rejected').executeTakeFirstOrThrow();
    expect(row.error).toMatch(/^p\.ts:1:\d+: Error de sintaxis/);
  });
});
