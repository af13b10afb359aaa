import { removeStudentDags } from '@/lib/runs/airflow/scheduler';
import { SchedulerError, schedulerTargetFromEnv } from './airflow-api';
import { kafkaTenants } from './kafka-tenants';
import { resetStudentS3 } from './s3-tenants';

/** What a reset removed, for the instructor's confirmation. */
export interface NamespaceReset {
  /** Kafka topics under the student's prefix that were deleted. */
  readonly topics: string[];
  /** Their consumer groups that were deleted. */
  readonly groups: string[];
  /** False when the server has no Kafka admin (external cluster without isolation). */
  readonly kafka: boolean;
  /** False when no Airflow scheduler is configured. */
  readonly dags: boolean;
  /** Objects deleted under the student's S3 prefix; absent when this server has no S3 store. */
  readonly s3Objects?: number;
}

/**
 * The instructor's "reset a student's lab namespace": deletes the student's Kafka consumer
 * groups and topics (everything under their prefix, never another student's), their DAG
 * folder and the objects under their S3 prefix. Their Kafka principal and ACLs (and their S3
 * key) stay, so their next run works at once. A group with a consumer still running cannot be
 * deleted: the error says so (stop their runs first).
 */
export async function resetStudentNamespace(student: string): Promise<NamespaceReset> {
  const tenants = kafkaTenants();
  const kafkaReset = tenants ? await tenants.resetStudent(student) : { topics: [], groups: [] };
  let dags = false;
  try {
    await removeStudentDags(student, schedulerTargetFromEnv());
    dags = true;
  } catch (error) {
    // No Airflow configured (a Kafka-only server): nothing to remove there.
    if (!(error instanceof SchedulerError)) throw error;
  }
  const s3Objects = await resetStudentS3(student);
  return { ...kafkaReset, kafka: tenants !== undefined, dags, ...(s3Objects === undefined ? {} : { s3Objects }) };
}
