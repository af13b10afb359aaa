import { studentSlug } from '@/lab/kafka/credentials';
import { perProcess } from '@/lib/per-process';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3Client, s3ErrorCode, type S3Credentials } from '@/lab/s3/client';
import { putStudentIdentity, studentS3Identity } from '@/lab/s3/identities';
import { LAB_BUCKET } from '@/lab/s3/version';
import { envVar } from '@/lib/env';
import { ensureS3Running, s3Endpoint, S3UnavailableError } from './s3-status';

/** What a student's run (and the S3 browser) gets: their own key, the bucket and their prefix. */
export interface StudentS3Access {
  /** The S3 API, e.g. http://127.0.0.1:8333. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
  /** `alumnos/<slug>/`: everything they write goes under it; any other key is refused. */
  readonly prefix: string;
  /** False on an external store: the key is shared and the prefix a convention, not a boundary. */
  readonly isolated: boolean;
}

/** The admin key the launcher handed this server (CAUCE_S3_ADMIN_*), or undefined. */
function adminCredentials(): S3Credentials | undefined {
  const accessKeyId = envVar('CAUCE_S3_ADMIN_ACCESS_KEY');
  const secretAccessKey = envVar('CAUCE_S3_ADMIN_SECRET_KEY');
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

// One per server process; on globalThis so dev reloads keep what was already provisioned.

/**
 * A student's S3 access, creating their identity on the embedded store on first need (the store
 * itself too: it starts on demand). Cached per process like Kafka's principals; a failure is
 * not cached, so the next run tries again. In single-user mode the student is the lab's one
 * student (DEFAULT_STUDENT), so lesson code sees the same layout in both modes. On an external
 * store (AWS_ENDPOINT_URL) every student shares the launcher's key under their own prefix.
 */
export async function studentS3(student: string): Promise<StudentS3Access> {
  const where = s3Endpoint();
  const admin = adminCredentials();
  if (!where) throw new S3UnavailableError('Este servidor no tiene almacén S3 (el lanzador no lo configuró).');
  if (!admin) throw new S3UnavailableError('El servidor no tiene credenciales del almacén S3 (CAUCE_S3_ADMIN_ACCESS_KEY).');
  if (where.mode === 'external') {
    const bucket = envVar('CAUCE_S3_BUCKET')?.trim() || LAB_BUCKET;
    return { endpoint: where.endpoint, ...admin, bucket, prefix: `alumnos/${studentSlug(student)}/`, isolated: false };
  }
  const identity = studentS3Identity(student, admin);
  const filerUrl = envVar('CAUCE_S3_FILER_URL');
  if (!filerUrl) throw new S3UnavailableError('El servidor no sabe dónde está el filer del almacén S3 (CAUCE_S3_FILER_URL).');
  const made = perProcess('s3:identities', () => new Map<string, Promise<void>>());
  let done = made.get(identity.name);
  if (!done) {
    done = ensureS3Running().then(() => putStudentIdentity(filerUrl, where.endpoint, identity));
    done.catch(() => made.delete(identity.name));
    made.set(identity.name, done);
  }
  await done;
  return { endpoint: where.endpoint, ...identity.credentials, bucket: identity.bucket, prefix: identity.prefix, isolated: true };
}

/**
 * The environment a run's sandbox gets for S3: the variables the AWS SDKs, boto3 and Hadoop's
 * S3A (through the lesson's own code) read, plus S3_BUCKET and S3_PREFIX for the lesson's paths.
 * The sandbox's relay must carry AWS_ENDPOINT_URL's port (the S3 API) and nothing else of the store.
 */
export function s3RunEnv(access: StudentS3Access): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: access.endpoint,
    AWS_ACCESS_KEY_ID: access.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.secretAccessKey,
    AWS_REGION: envVar('AWS_REGION') ?? 'us-east-1',
    S3_BUCKET: access.bucket,
    S3_PREFIX: access.prefix,
  };
}

/** Spanish: a request outside the student's prefix, as the student reads it. */
export function s3AccessDeniedMessage(access: Pick<StudentS3Access, 'bucket' | 'prefix'>): string {
  return `No tienes permiso para usar esa ruta del almacén S3. Cada alumno solo puede leer y escribir en s3://${access.bucket}/${access.prefix} (por ejemplo s3a://${access.bucket}/${access.prefix}salida/).`;
}

/**
 * The Spanish message for a failed S3 call, or undefined when it is not one the student can act
 * on: another student's prefix or the bucket root (AccessDenied, 403), a bucket that does not
 * exist, a key that is not there.
 */
export function s3ErrorMessage(error: unknown, access: Pick<StudentS3Access, 'bucket' | 'prefix'>): string | undefined {
  const code = s3ErrorCode(error);
  const text = error instanceof Error ? error.message : String(error);
  if (code === 'AccessDenied' || code === 'Forbidden' || /AccessDenied|403 Forbidden|Status Code: 403/.test(text)) return s3AccessDeniedMessage(access);
  if (code === 'NoSuchBucket' || /NoSuchBucket/.test(text)) return `El bucket no existe: usa s3://${access.bucket}/${access.prefix}.`;
  if (code === 'NoSuchKey' || code === 'NotFound') return 'Ese objeto no existe (¿se borró o aún no se ha escrito?).';
  return undefined;
}

/**
 * The instructor's reset: deletes every object under the student's prefix, with the server's
 * key (their identity stays, so their next run works at once). Returns how many were deleted,
 * or undefined when this server has no S3 store. Starts the embedded store if it is down.
 */
export async function resetStudentS3(student: string): Promise<number | undefined> {
  const where = s3Endpoint();
  const admin = adminCredentials();
  if (!where || !admin) return undefined;
  await ensureS3Running();
  const bucket = where.mode === 'external' ? envVar('CAUCE_S3_BUCKET')?.trim() || LAB_BUCKET : LAB_BUCKET;
  const prefix = `alumnos/${studentSlug(student)}/`;
  const client = s3Client(where.endpoint, admin);
  let deleted = 0;
  try {
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).flatMap((item) => (item.Key ? [{ Key: item.Key }] : []));
      if (keys.length === 0) return deleted;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      deleted += keys.length;
    }
  } finally {
    client.destroy();
  }
}
