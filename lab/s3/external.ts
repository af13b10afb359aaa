import { envVar, type EnvSource } from '../../lib/env';
import type { S3Credentials } from './client';
import { LAB_BUCKET } from './version';

/** An existing S3-compatible store the launcher uses instead of starting SeaweedFS. */
export interface ExternalS3 {
  readonly endpoint: string;
  /** Shared by every student there (no identities are created on a store the lab does not own). */
  readonly credentials?: S3Credentials;
  readonly bucket: string;
}

/**
 * AWS_ENDPOINT_URL (+ AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the variables every AWS SDK
 * and the lesson's own code already read; CAUCE_S3_BUCKET names its bucket (default
 * test-bucket, which must exist there). Undefined when AWS_ENDPOINT_URL is not set.
 */
export function externalS3(source: EnvSource = process.env): ExternalS3 | undefined {
  const endpoint = envVar('AWS_ENDPOINT_URL', source)?.trim();
  if (!endpoint) return undefined;
  const accessKeyId = envVar('AWS_ACCESS_KEY_ID', source)?.trim();
  const secretAccessKey = envVar('AWS_SECRET_ACCESS_KEY', source);
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    bucket: envVar('CAUCE_S3_BUCKET', source)?.trim() || LAB_BUCKET,
  };
}
