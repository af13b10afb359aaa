/**
 * Against a real SeaweedFS (`weed server` built from the Go module proxy into .lab/bin), in a
 * fresh state folder and port block, so it runs beside a developer's own lab. No skip: without
 * Go the build fails, saying so.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client, s3ErrorCode } from './client';
import { checkS3 } from './health';
import { putStudentIdentity, studentS3Identity } from './identities';
import { S3_SPEC_SETUP_MS, startTestStore } from './test-helpers';
import { LAB_BUCKET, SEAWEEDFS_VERSION } from './version';

describe('Almacén S3 del laboratorio (SeaweedFS)', () => {
  let lab: Awaited<ReturnType<typeof startTestStore>>;
  const runId = `${Date.now().toString(36)}${process.pid}`;

  beforeAll(async () => {
    lab = await startTestStore();
  }, S3_SPEC_SETUP_MS);

  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  it('la versión fijada es la del go.mod del módulo que compila weed', () => {
    const goMod = readFileSync(new URL('./go/go.mod', import.meta.url), 'utf8');
    expect(goMod).toContain(`github.com/seaweedfs/seaweedfs ${SEAWEEDFS_VERSION}`);
  });

  it('arranca desde una carpeta vacía, responde a la comprobación de salud y tiene test-bucket', async () => {
    expect(await checkS3(lab.store.endpoint)).toEqual({ ok: true });
    expect(await checkS3(lab.store.endpoint, { credentials: lab.store.admin, bucket: LAB_BUCKET })).toEqual({ ok: true });
    // The admin secret is the lab's own, readable by the launcher's user only.
    expect(statSync(`${lab.stateDir}/secrets.json`).mode & 0o777).toBe(0o600);
  });

  it('sin credenciales o con una clave desconocida no se lee nada', async () => {
    const stranger = s3Client(lab.store.endpoint, { accessKeyId: 'desconocido', secretAccessKey: 'x'.repeat(40) });
    const error = await stranger.send(new ListObjectsV2Command({ Bucket: LAB_BUCKET })).catch((e: unknown) => e);
    expect(s3ErrorCode(error)).toBe('InvalidAccessKeyId');
    const anonymous = await fetch(`${lab.store.endpoint}/${LAB_BUCKET}?list-type=2`);
    expect(anonymous.status).toBe(403);
  });

  it('un objeto se conserva tras reiniciar el almacén', async () => {
    const key = `pruebas/reinicio-${runId}.txt`;
    const admin = s3Client(lab.store.endpoint, lab.store.admin);
    await admin.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: key, Body: 'sigue aquí' }));
    await lab.store.stop();
    await lab.store.start();
    await lab.store.waitHealthy(60_000);
    const object = await admin.send(new GetObjectCommand({ Bucket: LAB_BUCKET, Key: key }));
    expect(await object.Body?.transformToString()).toBe('sigue aquí');
    admin.destroy();
  }, 120_000);

  it('si el proceso muere, el supervisor lo vuelve a arrancar y los datos siguen ahí', async () => {
    const key = `pruebas/caida-${runId}.txt`;
    const admin = s3Client(lab.store.endpoint, lab.store.admin);
    await admin.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: key, Body: 'tras la caída' }));
    const back = new Promise<void>((resolvePromise) => lab.supervisor.once('healthy', () => resolvePromise()));
    process.kill(lab.store.pid!, 'SIGKILL');
    await back;
    const object = await admin.send(new GetObjectCommand({ Bucket: LAB_BUCKET, Key: key }));
    expect(await object.Body?.transformToString()).toBe('tras la caída');
    admin.destroy();
  }, 120_000);

  it('un alumno escribe y lista bajo su prefijo, y el de otro alumno le es denegado', async () => {
    const ana = studentS3Identity(`ana-${runId}`, lab.store.admin);
    const bruno = studentS3Identity(`bruno-${runId}`, lab.store.admin);
    await putStudentIdentity(lab.store.filerUrl, lab.store.endpoint, ana);
    await putStudentIdentity(lab.store.filerUrl, lab.store.endpoint, bruno);
    const asAna = s3Client(lab.store.endpoint, ana.credentials);
    const asBruno = s3Client(lab.store.endpoint, bruno.credentials);
    await asAna.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: `${ana.prefix}salida/part-0.txt`, Body: 'hola' }));
    const listing = await asAna.send(new ListObjectsV2Command({ Bucket: LAB_BUCKET, Prefix: ana.prefix }));
    expect(listing.Contents?.map((o) => o.Key)).toEqual([`${ana.prefix}salida/part-0.txt`]);

    const refused = async (call: Promise<unknown>) =>
      s3ErrorCode(
        await call.then(
          () => 'permitido',
          (error: unknown) => error,
        ),
      );
    // Bruno can neither read, list, overwrite nor delete under Ana's prefix; nor list the bucket or alumnos/.
    expect(await refused(asBruno.send(new GetObjectCommand({ Bucket: LAB_BUCKET, Key: `${ana.prefix}salida/part-0.txt` })))).toBe('AccessDenied');
    expect(await refused(asBruno.send(new ListObjectsV2Command({ Bucket: LAB_BUCKET, Prefix: ana.prefix })))).toBe('AccessDenied');
    expect(await refused(asBruno.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: `${ana.prefix}intruso.txt`, Body: 'x' })))).toBe('AccessDenied');
    expect(await refused(asBruno.send(new ListObjectsV2Command({ Bucket: LAB_BUCKET, Prefix: 'alumnos/' })))).toBe('AccessDenied');
    expect(await refused(asBruno.send(new ListObjectsV2Command({ Bucket: LAB_BUCKET })))).toBe('AccessDenied');
    // Nor outside alumnos/ (the admin's test object above).
    expect(await refused(asBruno.send(new PutObjectCommand({ Bucket: LAB_BUCKET, Key: 'fuera.txt', Body: 'x' })))).toBe('AccessDenied');
    asAna.destroy();
    asBruno.destroy();
  });
});
