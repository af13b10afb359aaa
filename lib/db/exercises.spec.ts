/**
 * The Retos' DB layer (attempts, help, the instructor's grid and CSV), against SQLite and a real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourse, joinCourse } from './courses';
import { completionGrid, progressCsv } from './dashboard';
import { setCompletion } from './progress';
import { exerciseGrid, exerciseProgress, recordAttempt, recordHelp } from './exercises';
import type { Db } from './index';
import { recordRun } from './runs';
import type { Student } from './schema';
import { TEST_BACKENDS } from './test-postgres';

const RETO = 'kafka/laboratorio/primer-tema';
const OTHER = 'kafka/laboratorio/limpieza';
const T0 = Date.parse('2026-12-03T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe.each(TEST_BACKENDS)('Retos en %s', (_name, open) => {
  let db: Db;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ db, done } = await open());
  });
  afterAll(async () => done?.());

  /** A judged attempt, checked at a known time (recordAttempt stamps "now"). */
  const attempt = async (student: Student, exercise: string, seconds: number, failed: string[]) => {
    const runId = randomUUID();
    await recordAttempt(db, { runId, studentId: student.id, exercise, passed: failed.length === 0, failed });
    await db
      .updateTable('exercise_attempts')
      .set({ checked_at: at(seconds) })
      .where('run_id', '=', runId)
      .execute();
  };
  /** A run of the Reto's editor (its snippet is the Reto id): where "time to pass" starts. */
  const run = (student: Student, seconds: number) =>
    recordRun(db, {
      id: randomUUID(),
      student_id: student.id,
      course_id: student.course_id,
      owner: `student:${student.id}`,
      lesson: 'kafka/laboratorio',
      snippet: RETO,
      kind: 'kafka-ts',
      code: '[]',
      status: 'finished',
      exit_code: 0,
      duration_ms: 500,
      error: null,
      created_at: at(seconds),
      ended_at: null,
    });

  it('el alumno vuelve a ver el veredicto de la misma ejecución y cuenta como un solo intento', async () => {
    const course = await createCourse(db, { title: 'Intentos', createdBy: null });
    const ana = await joinCourse(db, course, 'Ana');
    const runId = randomUUID();
    await recordAttempt(db, { runId, studentId: ana.id, exercise: RETO, passed: true, failed: [] });
    await recordAttempt(db, { runId, studentId: ana.id, exercise: RETO, passed: true, failed: [] });
    await recordAttempt(db, { runId, studentId: ana.id, exercise: RETO, passed: false, failed: ['existe'] });
    const rows = await db.selectFrom('exercise_attempts').selectAll().where('student_id', '=', ana.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ run_id: runId, passed: 1, failed: '[]' });
    expect((await exerciseProgress(db, ana.id)).passed).toEqual([RETO]);
  });

  it('una lección con retos se completa cuando pasan todos (no con el botón); una sin retos, con el botón', async () => {
    const course = await createCourse(db, { title: 'Lecciones', createdBy: null });
    const ana = await joinCourse(db, course, 'Ana');
    const bruno = await joinCourse(db, course, 'Bruno');
    const lessons = ['kafka/conceptos', 'kafka/laboratorio'];
    await setCompletion(db, ana.id, 'kafka/conceptos', true);
    await setCompletion(db, bruno.id, 'kafka/laboratorio', true); // a mark on a lesson with Retos does not count
    await attempt(ana, RETO, 10, []);
    const half = await completionGrid(db, course.id, lessons, [RETO, OTHER]);
    expect(Object.keys(half.rows.find((r) => r.student.id === ana.id)!.completed)).toEqual(['kafka/conceptos']);
    expect(half.rows.find((r) => r.student.id === bruno.id)!.completed).toEqual({});
    await attempt(ana, OTHER, 50, ['nuevo']);
    await attempt(ana, OTHER, 90, []);
    const full = await completionGrid(db, course.id, lessons, [RETO, OTHER]);
    expect(full.rows.find((r) => r.student.id === ana.id)!.completed['kafka/laboratorio']).toBe(at(90));
  });

  it('las pistas vistas solo crecen y la solución guarda la primera vez que se abrió', async () => {
    const course = await createCourse(db, { title: 'Ayuda', createdBy: null });
    const ana = await joinCourse(db, course, 'Ana');
    await recordHelp(db, ana.id, RETO, { hints: 2 });
    await recordHelp(db, ana.id, RETO, { hints: 1 });
    expect((await exerciseProgress(db, ana.id)).help[RETO]).toEqual({ hints: 2, solution: false });
    await recordHelp(db, ana.id, RETO, { solution: true });
    const first = '2026-01-01T00:00:00.000Z';
    await db.updateTable('exercise_help').set({ solution_seen_at: first }).where('student_id', '=', ana.id).execute();
    await recordHelp(db, ana.id, RETO, { hints: 3, solution: true });
    await recordHelp(db, ana.id, RETO, { hints: 0 });
    const help = await db.selectFrom('exercise_help').selectAll().where('student_id', '=', ana.id).execute();
    expect(help).toEqual([{ student_id: ana.id, exercise: RETO, hints: 3, solution_seen_at: first }]);
    expect((await exerciseProgress(db, ana.id)).help).toEqual({ [RETO]: { hints: 3, solution: true } });
  });

  describe('el panel del profesor', () => {
    let courseId: string;
    let ana: Student;
    let bruno: Student;
    beforeAll(async () => {
      const course = await createCourse(db, { title: 'Retos', createdBy: null });
      courseId = course.id;
      ana = await joinCourse(db, course, 'Ana');
      bruno = await joinCourse(db, course, 'Bruno');
      await joinCourse(db, course, 'Carla');
      // Ana runs at 0 s and 30 s, fails twice and passes at 2 min 5 s.
      await run(ana, 30);
      await run(ana, 0);
      await attempt(ana, RETO, 10, ['existe', 'particiones']);
      await attempt(ana, RETO, 40, ['particiones']);
      await attempt(ana, RETO, 125, []);
      // Bruno fails once, takes a hint and opens the solution.
      await run(bruno, 20);
      await attempt(bruno, RETO, 50, ['particiones']);
      await recordHelp(db, bruno.id, RETO, { hints: 1, solution: true });
      // Another course misses another requirement more often: it must not count here.
      const other = await createCourse(db, { title: 'Otro', createdBy: null });
      const zoe = await joinCourse(db, other, 'Zoe');
      for (let i = 0; i < 5; i += 1) await attempt(zoe, RETO, 60 + i, ['existe']);
    });

    it('ve por alumno si superó cada Reto, sus intentos, pistas, la solución y el tiempo desde su primera ejecución', async () => {
      const grid = await exerciseGrid(db, courseId, [RETO, OTHER]);
      expect(grid.exercises).toEqual([RETO, OTHER]);
      expect(grid.rows.map((r) => r.displayName)).toEqual(['Ana', 'Bruno', 'Carla']);
      const [a, b, c] = grid.rows;
      expect(a!.cells[RETO]).toEqual({ passed: true, attempts: 3, hints: 0, solutionSeen: false, secondsToPass: 125 });
      expect(b!.cells[RETO]).toEqual({ passed: false, attempts: 1, hints: 1, solutionSeen: true, secondsToPass: null });
      const untouched = { passed: false, attempts: 0, hints: 0, solutionSeen: false, secondsToPass: null };
      expect(c!.cells).toEqual({ [RETO]: untouched, [OTHER]: untouched });
      expect(a!.cells[OTHER]).toEqual(untouched);
    });

    it('ve dónde se atasca la clase: el requisito que más intentos fallidos incumplen', async () => {
      const { stuck } = await exerciseGrid(db, courseId, [RETO, OTHER]);
      expect(stuck).toEqual({ [RETO]: { requirement: 'particiones', attempts: 3, students: 2 }, [OTHER]: null });
    });

    it('descarga el CSV con las columnas de siempre y cinco más por Reto', async () => {
      const csv = await progressCsv(db, courseId, ['kafka/laboratorio'], [RETO, OTHER]);
      const lines = csv.trim().split('\r\n');
      const cells = (line: string) => line.slice(1, -1).split('","');
      const header = cells(lines[0]!);
      expect(header.slice(0, 7)).toEqual(['alumno', 'unido', 'ultima_actividad', 'ejecuciones', 'ejecuciones_fallidas', 'lecciones_completadas', 'kafka/laboratorio']);
      expect(header.slice(7)).toEqual([
        `${RETO}:superado`,
        `${RETO}:intentos`,
        `${RETO}:pistas`,
        `${RETO}:solucion_vista`,
        `${RETO}:segundos_hasta_superar`,
        `${OTHER}:superado`,
        `${OTHER}:intentos`,
        `${OTHER}:pistas`,
        `${OTHER}:solucion_vista`,
        `${OTHER}:segundos_hasta_superar`,
      ]);
      const byName = new Map(lines.slice(1).map((line) => [cells(line)[0], cells(line)]));
      expect(byName.get('Ana')!.slice(3, 4)).toEqual(['2']);
      expect(byName.get('Ana')!.slice(7)).toEqual(['sí', '3', '0', 'no', '125', 'no', '0', '0', 'no', '']);
      expect(byName.get('Bruno')!.slice(7)).toEqual(['no', '1', '1', 'sí', '', 'no', '0', '0', 'no', '']);
      expect(byName.get('Carla')!.slice(7)).toEqual(['no', '0', '0', 'no', '', 'no', '0', '0', 'no', '']);
      // Without Retos, the file is as before.
      const before = await progressCsv(db, courseId, ['kafka/laboratorio']);
      expect(cells(before.split('\r\n')[0]!)).toEqual(header.slice(0, 7));
    });
  });
});
