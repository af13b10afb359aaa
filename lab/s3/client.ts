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
  // The SDK warns once per process that versions published after January 2027 need Node 22: it
  // is pinned in package.json, and the warning would land in every launcher and site log.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
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

/**
 * The S3 error code of a failed SDK call (`AccessDenied`, `NoSuchKey`…), or undefined. A HEAD
 * has no body to carry one: the SDK then names it `Unknown`, and the HTTP status tells
 * (403 → `Forbidden`, 404 → `NotFound`, as AWS's own HEAD errors are named).
 */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, Code, $metadata } = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof Code === 'string') return Code;
  if (typeof name === 'string' && !['Error', 'Unknown', 'UnknownError'].includes(name)) return name;
  if ($metadata?.httpStatusCode === 403) return 'Forbidden';
  if ($metadata?.httpStatusCode === 404) return 'NotFound';
  return undefined;
}
