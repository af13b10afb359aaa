/**
 * The S3 browser's reads and a student's S3 access, against a real store (lab/s3/test-helpers.ts):
 * the server's environment is the one the launcher hands the site (CAUCE_S3_*). A Parquet file
 * written with hyparquet-writer (SNAPPY, as Spark writes its part files) is previewed.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '@/lab/s3/client';
import { S3_SPEC_SETUP_MS, startTestStore } from '@/lab/s3/test-helpers';
import { listStudentObjects, previewParquet, S3BrowserError } from './s3-browser';
import { s3Status } from './s3-status';
import { resetStudentS3, s3RunEnv, studentS3, type StudentS3Access } from './s3-tenants';

describe('navegador S3 de la lección y acceso S3 de cada alumno', () => {
  let lab: Awaited<ReturnType<typeof startTestStore>>;
  const runId = `${Date.now().toString(36)}${process.pid}`;
  const saved = { ...process.env };
  let ana: StudentS3Access;
  let bruno: StudentS3Access;

  beforeAll(async () => {
    lab = await startTestStore();
    Object.assign(process.env, {
      CAUCE_S3_MODE: 'embedded',
      CAUCE_S3_ENDPOINT: lab.store.endpoint,
      CAUCE_S3_FILER_URL: lab.store.filerUrl,
      CAUCE_S3_ADMIN_ACCESS_KEY: lab.store.admin.accessKeyId,
      CAUCE_S3_ADMIN_SECRET_KEY: lab.store.admin.secretAccessKey,
    });
    [ana, bruno] = await Promise.all([studentS3(`Ana ${runId}`), studentS3(`Bruno ${runId}`)]);
  }, S3_SPEC_SETUP_MS);

  afterAll(async () => {
    process.env = saved;
    await lab?.stop();
  }, 60_000);

  it('el estado del almacén para la lección: disponible, integrado, con su versión', async () => {
    expect(await s3Status()).toEqual({ ok: true, mode: 'embedded', version: expect.stringMatching(/^SeaweedFS [0-9a-f]{7}$/), startable: false });
  });

  it('cada alumno recibe su propia clave y su prefijo alumnos/<alumno>/, y el entorno de su ejecución los nombra', () => {
    expect(ana.prefix).toBe(`alumnos/ana_${runId}/`);
    expect(ana.accessKeyId).not.toBe(bruno.accessKeyId);
    expect(ana.accessKeyId).not.toBe(lab.store.admin.accessKeyId);
    expect(s3RunEnv(ana)).toEqual({
      AWS_ENDPOINT_URL: lab.store.endpoint,
      AWS_ACCESS_KEY_ID: ana.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ana.secretAccessKey,
      AWS_REGION: 'us-east-1',
      S3_BUCKET: 'test-bucket',
      S3_PREFIX: ana.prefix,
    });
  });

  it('el alumno ve los objetos de su prefijo y las primeras filas de un Parquet', async () => {
    const rows = 120;
    const parquet = parquetWriteBuffer({
      codec: 'SNAPPY',
      columnData: [
        { name: 'key', data: Array.from({ length: rows }, (_, i) => `clave-${i}`), type: 'STRING' },
        { name: 'value', data: Array.from({ length: rows }, (_, i) => `{"pedido": ${i}}`), type: 'STRING' },
        { name: 'offset', data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)), type: 'INT64' },
      ],
    });
    const key = `${ana.prefix}salida/part-00000-${runId}.snappy.parquet`;
    const client = s3Client(ana.endpoint, ana);
    await client.send(new PutObjectCommand({ Bucket: ana.bucket, Key: key, Body: new Uint8Array(parquet) }));
    client.destroy();

    const listing = await listStudentObjects(ana);
    expect(listing.objects.map((o) => o.key)).toEqual([key]);
    expect(listing.objects[0]?.size).toBe(parquet.byteLength);
    expect(Date.parse(listing.objects[0]!.lastModified)).toBeGreaterThan(Date.now() - 10 * 60_000);

    const preview = await previewParquet(ana, key, 5);
    expect(preview.columns).toEqual(['key', 'value', 'offset']);
    expect(preview.totalRows).toBe(rows);
    expect(preview.rows).toEqual([0, 1, 2, 3, 4].map((i) => ({ key: `clave-${i}`, value: `{"pedido": ${i}}`, offset: i })));
  });

  it('otro alumno no puede listar ni previsualizar el prefijo ajeno: se le dice en español', async () => {
    const key = `${ana.prefix}salida/part-00000-${runId}.snappy.parquet`;
    await expect(previewParquet(bruno, key)).rejects.toThrow(S3BrowserError);
    await expect(previewParquet(bruno, key)).rejects.toThrow(`Cada alumno solo puede leer y escribir en s3://test-bucket/${bruno.prefix}`);
    // Past the site's own check (a forged prefix), the store refuses too, and the message is the same.
    const forged = { ...bruno, prefix: ana.prefix };
    await expect(listStudentObjects(forged)).rejects.toThrow('No tienes permiso para usar esa ruta del almacén S3.');
    await expect(previewParquet(forged, key)).rejects.toThrow('No tienes permiso para usar esa ruta del almacén S3.');
  });

  it('un archivo que no es Parquet se explica en español', async () => {
    const key = `${ana.prefix}notas-${runId}.txt`;
    const client = s3Client(ana.endpoint, ana);
    await client.send(new PutObjectCommand({ Bucket: ana.bucket, Key: key, Body: 'no soy parquet' }));
    client.destroy();
    await expect(previewParquet(ana, key)).rejects.toThrow(`notas-${runId}.txt no es un archivo Parquet legible.`);
  });

  it('el profesor reinicia el laboratorio de un alumno: sus objetos se borran y los de otro no', async () => {
    const client = s3Client(bruno.endpoint, bruno);
    await client.send(new PutObjectCommand({ Bucket: bruno.bucket, Key: `${bruno.prefix}mio.txt`, Body: 'de Bruno' }));
    client.destroy();
    expect(await resetStudentS3(`Ana ${runId}`)).toBe(2); // the Parquet file and the text file above
    expect((await listStudentObjects(ana)).objects).toEqual([]);
    expect((await listStudentObjects(bruno)).objects.map((o) => o.key)).toEqual([`${bruno.prefix}mio.txt`]);
  });
});
