import { randomBytes, randomInt } from 'node:crypto';
import type { Db } from './index';
import type { Course, Student } from './schema';

/** No 0/O, 1/I/L: a code read aloud in class or copied from a projector stays unambiguous. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

const now = () => new Date().toISOString();

/**
 * Ids are 20 hex characters: unguessable (80 bits), and safe as a Kafka principal, a topic
 * prefix and a DAG folder name, so a student's id is also their lab identity.
 */
export function newId(): string {
  return randomBytes(10).toString('hex');
}

/** 31^8 ≈ 8.5·10^11 codes: with the join rate limit, guessing one is hopeless. */
export function generateJoinCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What a student typed, as stored: upper case, without spaces or dashes. */
export function normaliseJoinCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

/** How a display name is matched on rejoin: case, accents and extra spaces do not matter. */
export function nameKey(displayName: string): string {
  return displayName
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export async function createCourse(db: Db, input: { title: string; createdBy: string | null }): Promise<Course> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const course: Course = { id: newId(), title: input.title, join_code: generateJoinCode(), created_by: input.createdBy, created_at: now() };
    const clash = await db.selectFrom('courses').select('id').where('join_code', '=', course.join_code).executeTakeFirst();
    if (clash) continue;
    await db.insertInto('courses').values(course).execute();
    return course;
  }
  throw new Error('No se pudo generar un código de curso único.');
}

export async function listCourses(db: Db): Promise<(Course & { students: number })[]> {
  const rows = await db
    .selectFrom('courses')
    .leftJoin('students', 'students.course_id', 'courses.id')
    .select(['courses.id', 'courses.title', 'courses.join_code', 'courses.created_by', 'courses.created_at'])
    .select((eb) => eb.fn.count<string | number>('students.id').as('students'))
    .groupBy(['courses.id', 'courses.title', 'courses.join_code', 'courses.created_by', 'courses.created_at'])
    .orderBy('courses.created_at', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, students: Number(r.students) }));
}

export async function findCourse(db: Db, id: string): Promise<Course | undefined> {
  return db.selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCourseByCode(db: Db, code: string): Promise<Course | undefined> {
  return db.selectFrom('courses').selectAll().where('join_code', '=', normaliseJoinCode(code)).executeTakeFirst();
}

/**
 * Joins (or rejoins) a course: the same display name in the same course is the same student,
 * so their code and progress come back on any browser.
 */
export async function joinCourse(db: Db, course: Course, displayName: string): Promise<Student> {
  const key = nameKey(displayName);
  const existing = await db.selectFrom('students').selectAll().where('course_id', '=', course.id).where('name_key', '=', key).executeTakeFirst();
  const at = now();
  if (existing) {
    await db.updateTable('students').set({ last_seen_at: at }).where('id', '=', existing.id).execute();
    return { ...existing, last_seen_at: at };
  }
  const student: Student = { id: newId(), course_id: course.id, display_name: displayName.trim(), name_key: key, created_at: at, last_seen_at: at };
  try {
    await db.insertInto('students').values(student).execute();
    return student;
  } catch (error) {
    // Two tabs joining at once with the same name: the other insert won, use it.
    const winner = await db.selectFrom('students').selectAll().where('course_id', '=', course.id).where('name_key', '=', key).executeTakeFirst();
    if (winner) return winner;
    throw error;
  }
}

export async function findStudent(db: Db, id: string): Promise<Student | undefined> {
  return db.selectFrom('students').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The roster: every student of a course with when they were last seen. */
export async function listStudents(db: Db, courseId: string): Promise<Student[]> {
  return db.selectFrom('students').selectAll().where('course_id', '=', courseId).orderBy('name_key').execute();
}
