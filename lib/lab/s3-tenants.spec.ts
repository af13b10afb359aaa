import { afterEach, describe, expect, it } from 'vitest';
import { s3ErrorMessage, studentS3 } from './s3-tenants';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('acceso S3 de un alumno (sin almacén)', () => {
  const access = { bucket: 'test-bucket', prefix: 'alumnos/ana/' };

  it('AccessDenied (y un 403 sin cuerpo) se explican en español con la ruta propia del alumno', () => {
    const denied = Object.assign(new Error('Access Denied.'), { name: 'AccessDenied' });
    expect(s3ErrorMessage(denied, access)).toBe(
      'No tienes permiso para usar esa ruta del almacén S3. Cada alumno solo puede leer y escribir en s3://test-bucket/alumnos/ana/ (por ejemplo s3a://test-bucket/alumnos/ana/salida/).',
    );
    expect(s3ErrorMessage(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 } }), access)).toMatch(/^No tienes permiso/);
    // As Spark's driver reports S3A's refusal.
    expect(s3ErrorMessage(new Error('java.nio.file.AccessDeniedException: s3a://test-bucket/alumnos/bruno/x: getFileStatus on ... 403 Forbidden'), access)).toMatch(
      /^No tienes permiso/,
    );
    expect(s3ErrorMessage(new Error('ECONNREFUSED'), access)).toBeUndefined();
  });

  it('en un almacén externo todos comparten la clave del lanzador, cada uno bajo su prefijo', async () => {
    Object.assign(process.env, {
      CAUCE_S3_MODE: 'external',
      CAUCE_S3_ENDPOINT: 'https://s3.example.org',
      CAUCE_S3_ADMIN_ACCESS_KEY: 'AK',
      CAUCE_S3_ADMIN_SECRET_KEY: 'SK',
    });
    expect(await studentS3('Ana')).toEqual({
      endpoint: 'https://s3.example.org',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      bucket: 'test-bucket',
      prefix: 'alumnos/ana/',
      isolated: false,
    });
  });

  it('sin almacén configurado lo dice en español', async () => {
    delete process.env.CAUCE_S3_MODE;
    delete process.env.CAUCE_S3_ENDPOINT;
    await expect(studentS3('Ana')).rejects.toThrow('Este servidor no tiene almacén S3');
  });
});
