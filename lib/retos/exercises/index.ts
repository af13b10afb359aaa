import type { ExerciseDefinition } from '../schema';
import { AIRFLOW_EXERCISES } from './airflow';
import { KAFKA_EXERCISES } from './kafka';

/**
 * Every Reto's checks, by "<course>/<lesson>/<id>". A `<Reto>` of a lesson without an entry here
 * (or with another kind) fails the build, naming the lesson file (lib/content/remark-runnable.ts).
 */
export const EXERCISES: Readonly<Record<string, ExerciseDefinition>> = { ...KAFKA_EXERCISES, ...AIRFLOW_EXERCISES };

export function findExercise(id: string): ExerciseDefinition | undefined {
  return Object.hasOwn(EXERCISES, id) ? EXERCISES[id] : undefined;
}
