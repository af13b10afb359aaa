import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { describeError } from '../errors';
import { s3Client, s3ErrorCode, type S3Credentials } from './client';

export interface S3Health {
  /** The S3 API answers and, with credentials, the bucket exists and they may use it. */
  readonly ok: boolean;
  /** Spanish, when not ok. */
  readonly error?: string;
}

/**
 * Is the store there: SeaweedFS's `/healthz` (no signature needed) and, with credentials, a
 * HEAD of the bucket, which an external store without `/healthz` answers too. Never throws.
 */
export async function checkS3(endpoint: string, options: { credentials?: S3Credentials; bucket?: string; timeoutMs?: number } = {}): Promise<S3Health> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  try {
    if (!options.credentials || !options.bucket) {
      const response = await fetch(new URL('/healthz', endpoint), { signal: AbortSignal.timeout(timeoutMs) });
      return response.ok ? { ok: true } : { ok: false, error: `El almacén S3 responde ${response.status} en ${endpoint}/healthz.` };
    }
    const client = s3Client(endpoint, options.credentials);
    try {
      await client.send(new HeadBucketCommand({ Bucket: options.bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return { ok: true };
    } finally {
      client.destroy();
    }
  } catch (error) {
    const code = s3ErrorCode(error);
    if (code === 'NotFound' || code === 'NoSuchBucket') return { ok: false, error: `El almacén S3 de ${endpoint} no tiene el bucket ${options.bucket}.` };
    if (code === 'Forbidden' || code === 'AccessDenied' || code === 'InvalidAccessKeyId')
      return { ok: false, error: `El almacén S3 de ${endpoint} rechaza las credenciales (${code}).` };
    return { ok: false, error: `El almacén S3 no responde en ${endpoint}: ${describeError(error)}` };
  }
}
