import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer } from 'hyparquet';
import { LabError } from '@/lab/errors';
import { s3Client } from '@/lab/s3/client';
import { s3AccessDeniedMessage, s3ErrorMessage, type StudentS3Access } from './s3-tenants';

/** One object of a student's prefix, as the S3 browser lists it. */
export interface S3ObjectSummary {
  /** The whole key, `alumnos/<slug>/…`. */
  readonly key: string;
  readonly size: number;
  /** ISO 8601. */
  readonly lastModified: string;
}

export interface S3Listing {
  readonly bucket: string;
  readonly prefix: string;
  /** Sorted by key (S3's order). */
  readonly objects: readonly S3ObjectSummary[];
  /** More than `maxKeys` objects: only the first ones are here. */
  readonly truncated: boolean;
}

/** The first rows of a Parquet object, JSON-safe (INT64 as numbers or strings, dates as ISO text). */
export interface ParquetPreview {
  readonly key: string;
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
  /** Rows in the whole file (its footer says so), not just the preview. */
  readonly totalRows: number;
}

/** A browser call the student can act on, with its Spanish message. */
export class S3BrowserError extends LabError {}

/** The most the browser lists at once, and the most rows a preview reads. */
export const S3_BROWSER_LIMITS = { maxKeys: 200, maxRows: 50 } as const;

function clientFor(access: StudentS3Access): S3Client {
  return s3Client(access.endpoint, access);
}

/** Runs an S3 call with the student's key, turning refusals into their Spanish sentence. */
async function withClient<T>(access: StudentS3Access, call: (client: S3Client) => Promise<T>): Promise<T> {
  const client = clientFor(access);
  try {
    return await call(client);
  } catch (error) {
    const message = s3ErrorMessage(error, access);
    if (message) throw new S3BrowserError(message, { cause: error });
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * A key the student may read: under their prefix. Checked here too, not only by the store: on
 * an external store their key is shared and only this check keeps them in their folder.
 */
function assertOwnKey(access: StudentS3Access, key: string): void {
  if (!key.startsWith(access.prefix) || key.split('/').includes('..')) throw new S3BrowserError(s3AccessDeniedMessage(access));
}

/** The objects under the student's prefix (or a sub-folder of it), with the student's own key. */
export async function listStudentObjects(access: StudentS3Access, subPrefix = '', maxKeys: number = S3_BROWSER_LIMITS.maxKeys): Promise<S3Listing> {
  const prefix = `${access.prefix}${subPrefix.replace(/^\/+/, '')}`;
  assertOwnKey(access, prefix);
  return withClient(access, async (client) => {
    const objects: S3ObjectSummary[] = [];
    let token: string | undefined;
    let truncated = false;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: access.bucket, Prefix: prefix, MaxKeys: Math.min(1000, maxKeys - objects.length), ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const item of page.Contents ?? []) if (item.Key) objects.push({ key: item.Key, size: item.Size ?? 0, lastModified: (item.LastModified ?? new Date(0)).toISOString() });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      truncated = Boolean(token) && objects.length >= maxKeys;
    } while (token && !truncated);
    return { bucket: access.bucket, prefix, objects, truncated };
  });
}

/** An object as hyparquet's AsyncBuffer: ranged GETs, so a preview reads the footer and the first pages, not the file. */
async function s3AsyncBuffer(client: S3Client, bucket: string, key: string): Promise<AsyncBuffer> {
  const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return {
    byteLength: head.ContentLength ?? 0,
    async slice(start: number, end?: number) {
      const range = `bytes=${start}-${end === undefined ? '' : end - 1}`;
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
      const bytes = await object.Body!.transformToByteArray();
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** A value the page can show: BigInt (INT64) as a number when exact, else text; dates as ISO; bytes as text. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

/**
 * The first `rows` rows of a Parquet object of the student's (Spark's snappy-compressed part
 * files included: hyparquet decodes snappy itself). A file that is not Parquet gets a Spanish
 * message, not a stack trace.
 */
export async function previewParquet(access: StudentS3Access, key: string, rows = 10): Promise<ParquetPreview> {
  assertOwnKey(access, key);
  const count = Math.max(1, Math.min(rows, S3_BROWSER_LIMITS.maxRows));
  return withClient(access, async (client) => {
    const file = await s3AsyncBuffer(client, access.bucket, key);
    let metadata;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (error) {
      throw new S3BrowserError(`${key.slice(access.prefix.length)} no es un archivo Parquet legible.`, { cause: error });
    }
    // Top-level columns only: a struct column shows as one value (its fields as an object).
    const columns = parquetSchema(metadata).children.map((child) => child.element.name);
    const objects = await parquetReadObjects({ file, metadata, rowStart: 0, rowEnd: Math.min(count, Number(metadata.num_rows)) });
    return { key, columns, rows: objects.map((row) => jsonSafe(row) as Record<string, unknown>), totalRows: Number(metadata.num_rows) };
  });
}
