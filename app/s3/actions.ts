'use server';

import { currentUser } from '@/lib/auth/current';
import { JOIN_FIRST, labIdentity } from '@/lib/auth/run-options';
import { studentMessage } from '@/lib/errors';
import { listStudentPrefix, previewStudentObject, studentS3Access, type PysparkParquetPreview, type PysparkS3Listing } from '@/lib/runs/pyspark/lab';

const UNAVAILABLE = 'El almacén S3 del laboratorio no está disponible ahora mismo. Vuelve a intentarlo en unos segundos.';

export type S3ListResult = { ok: true; listing: PysparkS3Listing } | { ok: false; message: string };
export type S3PreviewResult = { ok: true; preview: PysparkParquetPreview } | { ok: false; message: string };

/** The signed-in student's S3 prefix (the S3 browser block): their own, from the session, never from the request. */
export async function listMyObjects(): Promise<S3ListResult> {
  const user = await currentUser();
  if (!user) return { ok: false, message: JOIN_FIRST };
  try {
    return { ok: true, listing: await listStudentPrefix(await studentS3Access(labIdentity(user))) };
  } catch (error) {
    return { ok: false, message: studentMessage(error, UNAVAILABLE) };
  }
}

/** The first rows of one of their Parquet objects; a key outside their prefix is refused by the helper (and the store), in Spanish. */
export async function previewMyObject(key: unknown): Promise<S3PreviewResult> {
  const user = await currentUser();
  if (!user) return { ok: false, message: JOIN_FIRST };
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) return { ok: false, message: 'Ese objeto no existe.' };
  try {
    return { ok: true, preview: await previewStudentObject(await studentS3Access(labIdentity(user)), key) };
  } catch (error) {
    return { ok: false, message: studentMessage(error, UNAVAILABLE) };
  }
}
