import type { RunOptions } from '@/lib/runs/registry';
import { DEFAULT_STUDENT } from '@/lib/runs/run';
import type { User } from './user';

/**
 * What a run takes from the session: its owner (who may follow and stop it, whom it is recorded
 * for, whose quota it uses) and the lab identity (Kafka principal/prefix, DAG namespace).
 */
export function runOptionsFor(user: User): RunOptions {
  if (user.role === 'local') return {};
  if (user.role === 'student') {
    return { student: user.id, owner: { key: `student:${user.id}`, studentId: user.id, courseId: user.courseId } };
  }
  return { student: user.id, owner: { key: `instructor:${user.id}`, studentId: null, courseId: null } };
}

/** The Airflow/Kafka namespace name of a user ("alumno" when studying alone). */
export function labIdentity(user: User): string {
  return user.role === 'local' ? DEFAULT_STUDENT : user.id;
}

export const JOIN_FIRST = 'Para ejecutar ejemplos, únete primero al curso con su código (enlace «Unirse» arriba).';
