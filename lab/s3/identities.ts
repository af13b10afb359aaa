import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { LabError } from '../errors';
import { studentSlug } from '../kafka/credentials';
import { s3Client, s3ErrorCode, type S3Credentials } from './client';
import { LAB_BUCKET } from './version';

/** What a student's run may know about S3: their own key and where they may write. */
export interface StudentS3Identity {
  /** SeaweedFS identity name, `alumno-<slug>` (the admin's is `cauce-admin`). */
  readonly name: string;
  readonly credentials: S3Credentials;
  readonly bucket: string;
  /** `alumnos/<slug>/`: the only keys they may read, write, delete and list. */
  readonly prefix: string;
}

/** A student's identity could not be created or did not take effect. Retriable. */
export class S3IdentityError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/**
 * A student's S3 identity. The slug is the one of their Kafka prefix, DAG folder and HDFS home
 * (lab/kafka/credentials.ts). The secret is an HMAC of the admin secret and the slug, as Kafka's
 * passwords are: stable across restarts, nothing per student to store, and it reveals nothing of
 * the admin's or another student's.
 */
export function studentS3Identity(student: string, admin: S3Credentials, bucket = LAB_BUCKET): StudentS3Identity {
  const slug = studentSlug(student);
  const secretAccessKey = createHmac('sha256', admin.secretAccessKey).update(`cauce-s3-student:${slug}`).digest('hex');
  return { name: `alumno-${slug}`, credentials: { accessKeyId: `alumno-${slug}`, secretAccessKey }, bucket, prefix: `alumnos/${slug}/` };
}

/**
 * SeaweedFS's legacy actions for that identity. `Action:bucket/path*` patterns are matched against
 * `Action:bucket/key` (weed/s3api/auth_credentials.go, Identity.CanDo); a listing is checked
 * against its `prefix` parameter, so listing `alumnos/` or the bucket root is refused and listing
 * `alumnos/<slug>/…` allowed. Write covers PUT, multipart, DELETE and batch delete. The pattern
 * ends with `/*`, never with the bare slug: `alumnos/ana*` would also match `alumnos/anabel/`.
 */
export function identityActions(identity: StudentS3Identity): string[] {
  const scope = `${identity.bucket}/${identity.prefix}*`;
  return ['Read', 'Write', 'List', 'Tagging'].map((action) => `${action}:${scope}`);
}

/** The file SeaweedFS reads from its filer's /etc/iam/identities (encoding/json of iam_pb.Identity: snake_case keys). */
export function identityFile(identity: StudentS3Identity): string {
  return JSON.stringify({
    name: identity.name,
    credentials: [{ access_key: identity.credentials.accessKeyId, secret_key: identity.credentials.secretAccessKey }],
    actions: identityActions(identity),
  });
}

/**
 * Creates (or rewrites) a student's identity in the embedded store: one PUT of its file into the
 * filer, which the S3 gateway follows and reloads without a restart. Then waits until the S3 API
 * accepts the key (a listing of their own prefix), so the caller's first request never meets
 * «InvalidAccessKeyId».
 */
export async function putStudentIdentity(filerUrl: string, s3Endpoint: string, identity: StudentS3Identity, timeoutMs = 15_000): Promise<void> {
  const url = new URL(`/etc/iam/identities/${identity.name}.json`, filerUrl);
  const response = await fetch(url, { method: 'PUT', body: identityFile(identity), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5_000) }).catch(
    (error: unknown) => {
      throw new S3IdentityError(`No se pudo escribir la identidad S3 de ${identity.name} en el filer (${filerUrl}).`, { cause: error });
    },
  );
  if (!response.ok) throw new S3IdentityError(`El filer rechazó la identidad S3 de ${identity.name}: HTTP ${response.status} ${await response.text()}`);
  const client = s3Client(s3Endpoint, identity.credentials);
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  try {
    while (Date.now() < deadline) {
      try {
        await client.send(new ListObjectsV2Command({ Bucket: identity.bucket, Prefix: identity.prefix, MaxKeys: 1 }));
        return;
      } catch (error) {
        last = error;
        // Unknown key or not yet its actions: the gateway has not reloaded. Anything else is real.
        if (!['InvalidAccessKeyId', 'AccessDenied', 'SignatureDoesNotMatch'].includes(s3ErrorCode(error) ?? '')) throw error;
      }
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
  throw new S3IdentityError(`El almacén S3 no aceptó la identidad de ${identity.name} en ${timeoutMs / 1000} s (${s3ErrorCode(last) ?? String(last)}).`, { cause: last });
}
