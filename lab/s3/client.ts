import { S3Client } from '@aws-sdk/client-s3';

/** Who signs the requests: the lab's admin, a student, or an external store's key. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * An S3 client for the lab's store or an external one. Path-style addressing: SeaweedFS (and
 * most self-hosted stores) serve `http://host:port/bucket/key`, not bucket subdomains. Two
 * attempts, short timeouts: the lab is local, and a store that does not answer should be said
 * so quickly. Checksums only when the operation requires them: the SDK's default CRC32 on every
 * upload is newer than some S3-compatible stores.
 */
export function s3Client(endpoint: string, credentials: S3Credentials, region = 'us-east-1'): S3Client {
  return new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts: 2,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The S3 error code of a failed SDK call (`AccessDenied`, `NoSuchKey`…), or undefined. */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code } = error as { name?: unknown; Code?: unknown };
  if (typeof Code === 'string') return Code;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}
