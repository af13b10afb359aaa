import type { Db } from '@/lib/db';
import { findStudent } from '@/lib/db/courses';
import { resetStudentNamespace } from '@/lib/lab/namespace';
import { stopRunsOf } from '@/lib/runs/registry';

export type ResetResult = { ok: true; message: string } | { ok: false; message: string };

/**
 * "Reiniciar el laboratorio de un alumno": stops their runs, then deletes their Kafka topics and
 * consumer groups (their prefix only), their DAG folder and their S3 objects. Callers check the instructor first.
 */
export async function resetStudentLab(db: Db, studentId: string, reset = resetStudentNamespace): Promise<ResetResult> {
  const student = await findStudent(db, studentId);
  if (!student) return { ok: false, message: 'Ese alumno no existe.' };
  stopRunsOf(`student:${student.id}`);
  try {
    const done = await reset(student.id);
    const parts = [
      done.kafka ? `${done.topics.length} temas y ${done.groups.length} grupos de consumidores de Kafka borrados` : 'Kafka sin aislamiento por alumno: nada que borrar',
      done.dags ? 'carpeta de DAGs borrada' : 'sin Airflow configurado',
      ...(done.s3Objects === undefined ? [] : [`${done.s3Objects} objetos de S3 borrados`]),
    ];
    return { ok: true, message: `Laboratorio de ${student.display_name} reiniciado: ${parts.join('; ')}.` };
  } catch (error) {
    return { ok: false, message: `No se pudo reiniciar el laboratorio de ${student.display_name}: ${(error as Error).message}` };
  }
}
