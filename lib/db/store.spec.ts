/**
 * The same DB-layer spec, run against SQLite and against a real PostgreSQL server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionGrid, progressCsv, recentFailedRuns, roster, runsPerMinute } from './dashboard';
import { createCourse, findCourseByCode, joinCourse, listCourses, listStudents, nameKey } from './courses';
import type { Db } from './index';
import { migrate } from './connect';
import { listCompletions, loadCode, saveCode, setCompletion } from './progress';
import { recordRun } from './runs';
import { initSetting } from './settings';
import { TEST_BACKENDS } from './test-postgres';

describe.each(TEST_BACKENDS)('datos del sitio en %s', (_name, open) => {
  let db: Db;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ db, done } = await open());
  });
  afterAll(async () => done?.());

  it('las migraciones se pueden volver a aplicar sin efecto', async () => {
    await migrate(db);
    await migrate(db);
  });

  it('el profesor crea un curso con un código de acceso y el alumno se une y vuelve a unirse', async () => {
    const course = await createCourse(db, { title: 'Kafka 2026', createdBy: null });
    expect(course.join_code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect((await findCourseByCode(db, course.join_code.toLowerCase().replace(/(....)/, '$1-')))?.id).toBe(course.id);
    const ana = await joinCourse(db, course, 'Ana Pérez');
    const again = await joinCourse(db, course, '  ana   perez ');
    expect(again.id).toBe(ana.id);
    await joinCourse(db, course, 'Bruno');
    expect((await listStudents(db, course.id)).map((s) => s.display_name)).toEqual(['Ana Pérez', 'Bruno']);
    const courses = await listCourses(db);
    expect(courses.find((c) => c.id === course.id)?.students).toBe(2);
    expect(nameKey('ÁNA  Pérez')).toBe('ana perez');
  });

  it('el código y las lecciones completadas del alumno se guardan en el servidor', async () => {
    const course = await createCourse(db, { title: 'Progreso', createdBy: null });
    const ana = await joinCourse(db, course, 'Ana');
    await saveCode(db, ana.id, 'kafka/productor/p', ['uno', 'dos']);
    await saveCode(db, ana.id, 'kafka/productor/p', ['tres', 'dos']);
    expect(await loadCode(db, ana.id, 'kafka/productor/p')).toEqual(['tres', 'dos']);
    await saveCode(db, ana.id, 'kafka/productor/p', null);
    expect(await loadCode(db, ana.id, 'kafka/productor/p')).toBeUndefined();
    await setCompletion(db, ana.id, 'kafka/productor', true);
    await setCompletion(db, ana.id, 'kafka/productor', true);
    await setCompletion(db, ana.id, 'kafka/conceptos', true);
    await setCompletion(db, ana.id, 'kafka/conceptos', false);
    expect(await listCompletions(db, ana.id)).toEqual(['kafka/productor']);
  });

  it('el panel del profesor: lista, cuadrícula, fallos recientes, ejecuciones por minuto y CSV', async () => {
    const course = await createCourse(db, { title: 'Panel', createdBy: null });
    const ana = await joinCourse(db, course, 'Ana');
    const bruno = await joinCourse(db, course, '=Bruno');
    await setCompletion(db, ana.id, 'kafka/productor', true);
    const base = { course_id: course.id, lesson: 'kafka/productor', snippet: 'kafka/productor/p', kind: 'kafka-ts', exit_code: 1, ended_at: null };
    const now = Date.now();
    await recordRun(db, {
      ...base,
      id: randomUUID(),
      student_id: ana.id,
      owner: `student:${ana.id}`,
      code: '[{"name":"p.ts","content":"ok"}]',
      status: 'finished',
      duration_ms: 900,
      error: null,
      created_at: new Date(now - 61_000).toISOString(),
    });
    await recordRun(db, {
      ...base,
      id: randomUUID(),
      student_id: bruno.id,
      owner: `student:${bruno.id}`,
      code: '[{"name":"p.ts","content":"throw 1"}]',
      status: 'failed',
      duration_ms: 300,
      error: 'Tu programa terminó con un error',
      created_at: new Date(now).toISOString(),
    });

    const rows = await roster(db, course.id);
    const summary = rows.map((r) => [r.student.display_name, r.completed, r.runs, r.failedRuns]).sort();
    expect(summary).toEqual([
      ['=Bruno', 0, 1, 1],
      ['Ana', 1, 1, 0],
    ]);
    const grid = await completionGrid(db, course.id, ['kafka/conceptos', 'kafka/productor']);
    expect(grid.rows.find((r) => r.student.id === ana.id)!.completed['kafka/productor']).toBeTruthy();
    expect(grid.rows.find((r) => r.student.id === bruno.id)!.completed).toEqual({});
    const failed = await recentFailedRuns(db, course.id);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ displayName: '=Bruno', status: 'failed', error: 'Tu programa terminó con un error', code: [{ name: 'p.ts', content: 'throw 1' }] });
    const perMinute = await runsPerMinute(db, course.id, 5, now);
    expect(perMinute).toHaveLength(5);
    expect(perMinute.reduce((sum, b) => sum + b.runs, 0)).toBe(2);
    expect(perMinute.at(-1)!.runs).toBe(1);
    const csv = await progressCsv(db, course.id, ['kafka/productor']);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('"alumno","unido","ultima_actividad","ejecuciones","ejecuciones_fallidas","lecciones_completadas","kafka/productor"');
    expect(lines).toContainEqual(expect.stringMatching(/^"'=Bruno",/)); // no spreadsheet formula injection
  });

  it('un ajuste se inicializa una sola vez (el primero gana)', async () => {
    expect(await initSetting(db, 'k', 'a')).toBe('a');
    expect(await initSetting(db, 'k', 'b')).toBe('a');
  });
});
