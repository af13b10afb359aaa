import { describe, expect, it } from 'vitest';
import { renderS3Config, weedServerArgs } from './config';
import { externalS3 } from './external';
import { identityActions, identityFile, studentS3Identity } from './identities';
import { s3Paths } from './paths';
import { s3PortMap } from '../ports';

const admin = { accessKeyId: 'CAUCEADMIN0123456789', secretAccessKey: 'a'.repeat(40) };

describe('identidades S3 de los alumnos', () => {
  it('la clave de un alumno es estable, distinta de la de otro y no revela la del administrador', () => {
    const ana = studentS3Identity('Ana García', admin);
    expect(ana).toEqual(studentS3Identity('Ana García', admin));
    expect(ana.prefix).toBe('alumnos/ana_garcia/');
    expect(ana.credentials.accessKeyId).toBe('alumno-ana_garcia');
    expect(ana.credentials.secretAccessKey).toMatch(/^[0-9a-f]{64}$/);
    expect(ana.credentials.secretAccessKey).not.toBe(studentS3Identity('Bruno', admin).credentials.secretAccessKey);
    expect(ana.credentials.secretAccessKey).not.toContain(admin.secretAccessKey);
  });

  it('sus permisos acaban en «/*»: el prefijo de «ana» no abarca el de «anabel»', () => {
    const actions = identityActions(studentS3Identity('ana', admin));
    expect(actions).toEqual(['Read:test-bucket/alumnos/ana/*', 'Write:test-bucket/alumnos/ana/*', 'List:test-bucket/alumnos/ana/*', 'Tagging:test-bucket/alumnos/ana/*']);
    // The file SeaweedFS reads (encoding/json of iam_pb.Identity: snake_case credential keys).
    expect(JSON.parse(identityFile(studentS3Identity('ana', admin)))).toMatchObject({ name: 'alumno-ana', credentials: [{ access_key: 'alumno-ana' }] });
  });

  it('el servidor escucha solo en loopback, con cada puerto del bloque y sin los catálogos que el laboratorio no usa', () => {
    const args = weedServerArgs(s3Paths('/tmp/estado', '/tmp/bin'), s3PortMap(28333));
    expect(args).toEqual(expect.arrayContaining(['-ip.bind=127.0.0.1', '-s3.port=28333', '-s3.port.grpc=28334', '-master.port=28335', '-volume.port=28337', '-filer.port=28339']));
    expect(args).toEqual(expect.arrayContaining(['-s3.port.iceberg=0', '-s3.port.lance=0', '-master.telemetry=false', '-s3.iam=false']));
    // Every port flag names a port of the block: none left to SeaweedFS's defaults (8080, 9333, +10000).
    for (const flag of args.filter((a) => /\.port(\.grpc)?=/.test(a)))
      expect(Number(flag.split('=')[1]) === 0 || (Number(flag.split('=')[1]) >= 28333 && Number(flag.split('=')[1]) <= 28340)).toBe(true);
    expect(JSON.parse(renderS3Config({ adminAccessKey: 'K', adminSecretKey: 'S' })).identities).toEqual([
      { name: 'cauce-admin', credentials: [{ accessKey: 'K', secretKey: 'S' }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] },
    ]);
  });

  it('AWS_ENDPOINT_URL y sus credenciales apuntan a un almacén externo', () => {
    expect(externalS3({})).toBeUndefined();
    expect(externalS3({ AWS_ENDPOINT_URL: 'https://s3.example.org/', AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK' })).toEqual({
      endpoint: 'https://s3.example.org',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' },
      bucket: 'test-bucket',
    });
    expect(externalS3({ AWS_ENDPOINT_URL: 'http://minio:9000', CAUCE_S3_BUCKET: 'curso' })).toEqual({ endpoint: 'http://minio:9000', bucket: 'curso' });
  });
});
