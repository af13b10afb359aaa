import { describe, expect, it, vi } from 'vitest';

/** Runs of this snippet wait here until the test lets them end. */
const held = new Map<string, () => void>();

// A fake executor that fails like a student's program with an exception.
vi.mock('@/lib/runs/kafka-ts', () => ({
  executeKafkaSnippet: async (run: import('./run').Run) => {
    if (run.request.snippet === 'kafka/consumidor/largo') {
      run.emit({ type: 'status', state: 'running', message: 'Ejecutando…' });
      await new Promise<void>((resolve) => held.set(run.id, resolve));
      run.emit({ type: 'exit', reason: 'stopped', exitCode: null, durationMs: 50, message: 'Detuviste la ejecución.' });
      return;
    }
    run.emit({ type: 'stdout', text: 'conectando\n' });
    run.emit({ type: 'stderr', text: 'Error: tema inexistente\n' });
    run.emit({ type: 'exit', reason: 'failed', exitCode: 1, durationMs: 321.4, message: 'Tu programa terminó con un error.' });
  },
}));
vi.mock('@/lib/runs/airflow/dag', () => ({ executeAirflowDag: async () => undefined }));

const { db } = await import('@/lib/db');
const { createRun } = await import('./registry');
const { startRun } = await import('./start');
const { markRunsInterruptedByLastServer } = await import('./record');
const { RUN_MESSAGES } = await import('./messages');
const { recentFailedRuns } = await import('@/lib/db/dashboard');

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
    // startRun only takes examples of the lessons: the producer's, with a syntax error in it.
    const result = await startRun({ ...request, snippet: 'kafka/productor/productor-de-mensajes', files: [{ name: 'p.ts', content: 'const = 1\n' }] });
    expect(result).toMatchObject({ ok: false, status: 422 });
    await vi.waitFor(async () => expect(await database.selectFrom('runs').selectAll().where('status', '=', 'rejected').executeTakeFirst()).toBeTruthy());
    const row = await database.selectFrom('runs').selectAll().where('status', '=', 'rejected').executeTakeFirstOrThrow();
    expect(row.error).toMatch(/^p\.ts:1:\d+: Error de sintaxis/);
  });
});

describe('una ejecución queda registrada desde que empieza', () => {
  const long = { ...request, lesson: 'kafka/consumidor', snippet: 'kafka/consumidor/largo' };
  const statusOf = async (id: string) => (await (await db()).selectFrom('runs').select('status').where('id', '=', id).executeTakeFirst())?.status;

  it('mientras va está «running», y al terminar queda con su final', async () => {
    const run = createRun(long, { owner: { key: 'student:s2', studentId: null, courseId: null } });
    run.watch(); // a page follows it
    await vi.waitFor(async () => expect(await statusOf(run.id)).toBe('running'));
    held.get(run.id)!();
    await vi.waitFor(async () => expect(await statusOf(run.id)).toBe('stopped'));
  });

  it('si el servidor muere con ella en marcha, el siguiente arranque la marca como interrumpida (y no toca las terminadas)', async () => {
    const database = await db();
    const now = new Date().toISOString();
    const course = { id: 'c-int' };
    await database.insertInto('courses').values({ id: course.id, title: 'Curso', join_code: 'INT-001', created_by: null, created_at: now }).execute();
    await database.insertInto('students').values({ id: 's-int', course_id: course.id, display_name: 'Ana', name_key: 'ana', created_at: now, last_seen_at: now }).execute();
    const owner = { key: 'student:s-int', studentId: 's-int', courseId: course.id };
    const cut = createRun(long, { owner });
    cut.watch();
    await vi.waitFor(async () => expect(await statusOf(cut.id)).toBe('running'));
    const ended = createRun(request, { owner: { ...owner, key: 'student:otro' } }); // one run per student at a time: another one's
    await vi.waitFor(async () => expect(await statusOf(ended.id)).toBe('failed'));

    // What the next server's start does (instrumentation.ts); the run's own process is "gone".
    expect(await markRunsInterruptedByLastServer()).toBeGreaterThanOrEqual(1);
    const row = await database.selectFrom('runs').selectAll().where('id', '=', cut.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'interrupted', error: RUN_MESSAGES.interrupted });
    expect(row.ended_at).not.toBeNull();
    expect(await statusOf(ended.id)).toBe('failed');
    // The instructor sees it among the runs that went wrong.
    expect((await recentFailedRuns(database, course.id)).map((r) => [r.id, r.status])).toContainEqual([cut.id, 'interrupted']);
    // An end that comes after the mark (a server that was only frozen) does not rewrite the history.
    held.get(cut.id)!();
    await vi.waitFor(() => expect(cut.state).toBe('ended'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await statusOf(cut.id)).toBe('interrupted');
  });
});
