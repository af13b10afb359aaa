/** The relay rule of a Hadoop shell run, request by request (no sandbox, no Hadoop: pure decisions). */
import { describe, expect, it } from 'vitest';
import { hadoopRelayFilter } from './hadoop';

const endpoints = { namenodeHttp: '127.0.0.1:9870', datanodeHttp: '127.0.0.1:9873', namenodeRpc: '127.0.0.1:9871', jobs: '127.0.0.1:40123' };
const filter = hadoopRelayFilter('ana', endpoints, 'token-de-la-ejecucion');
const decide = (endpoint: string, url: string, method = 'GET') => filter.rewrite!(method, new URL(url, 'http://relay'), endpoint);
const forwarded = (decision: ReturnType<typeof decide>) => ('url' in decision ? decision.url.pathname + decision.url.search : decision.refused);

describe('la regla del relé de una ejecución con Hadoop', () => {
  it('WebHDFS en el NameNode: user.name impuesto (en cualquier mayúscula), doas rechazado', () => {
    expect(forwarded(decide(endpoints.namenodeHttp, '/webhdfs/v1/user/bea?op=LISTSTATUS&User.Name=bea'))).toBe('/webhdfs/v1/user/bea?op=LISTSTATUS&user.name=ana');
    expect(forwarded(decide(endpoints.namenodeHttp, '/webhdfs/v1/x?op=LISTSTATUS&doas=root'))).toBe('el parámetro doas no se permite desde el sandbox');
    expect(decide(endpoints.namenodeHttp, '/jmx')).toHaveProperty('refused');
  });

  it('/fsck: ugi y user.name impuestos, solo informes (nunca -delete ni -move), solo GET', () => {
    expect(forwarded(decide(endpoints.namenodeHttp, '/fsck?path=%2Fuser%2Fana&files=1&blocks=1&ugi=root&user.name=root'))).toBe(
      '/fsck?path=%2Fuser%2Fana&files=1&blocks=1&ugi=ana&user.name=ana',
    );
    expect(forwarded(decide(endpoints.namenodeHttp, '/fsck?path=/user/ana&delete=1'))).toMatch(/-delete no se permite/);
    expect(forwarded(decide(endpoints.namenodeHttp, '/fsck?path=/user/ana&move=1'))).toMatch(/-move no se permite/);
    expect(decide(endpoints.namenodeHttp, '/fsck?path=/', 'POST')).toHaveProperty('refused');
  });

  it('en el DataNode el NameNode queda fijado al del laboratorio', () => {
    expect(forwarded(decide(endpoints.datanodeHttp, '/webhdfs/v1/user/ana/x?op=OPEN&namenoderpcaddress=evil:8020&user.name=root'))).toBe(
      '/webhdfs/v1/user/ana/x?op=OPEN&user.name=ana&namenoderpcaddress=127.0.0.1%3A9871',
    );
  });

  it('la pasarela de trabajos recibe el token de la ejecución, sea cual sea la cabecera que mandó el cliente', () => {
    const decision = decide(endpoints.jobs, '/cauce-hadoop/jar?arg=x');
    expect(decision).toMatchObject({ headers: { 'x-cauce-run': 'token-de-la-ejecucion' } });
    expect(decide(endpoints.jobs, '/cauce-hadoop/jar', 'POST')).toHaveProperty('refused');
    expect(decide('127.0.0.1:9871', '/')).toEqual({ refused: 'destino no permitido' });
  });

  it('nada se cambia en /tmp/hadoop-yarn (el área de los trabajos), se escriba como se escriba la ruta; leer sí', () => {
    const nn = endpoints.namenodeHttp;
    const refused = /hadoop-yarn es de los trabajos de MapReduce/;
    for (const [url, method] of [
      ['/webhdfs/v1/tmp/hadoop-yarn/staging/bea?op=MKDIRS', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging/history/done_intermediate/bea?op=MKDIRS', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn?op=SETPERMISSION&permission=700', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging?op=SETOWNER&owner=ana', 'PUT'],
      ['/webhdfs/v1/tmp//hadoop-yarn/./staging/bea?op=MKDIRS', 'PUT'],
      ['/webhdfs/v1/tmp/x/../hadoop-yarn/staging/bea?op=MKDIRS', 'PUT'],
      ['/webhdfs/v1/tmp/%68adoop-yarn%2Fstaging%2Fbea?op=MKDIRS', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging/x?op=CREATE', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging/x?op=APPEND', 'POST'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging?op=DELETE&recursive=true', 'DELETE'],
      ['/webhdfs/v1/user/ana/mia?op=RENAME&destination=/tmp/hadoop-yarn/staging/bea', 'PUT'],
      ['/webhdfs/v1/user/ana/mia?op=RENAME&destination=%2Ftmp%2F%2Fhadoop-yarn%2Fstaging%2Fbea', 'PUT'],
      ['/webhdfs/v1/tmp/hadoop-yarn/staging/ana?op=RENAME&destination=/user/ana/x', 'PUT'],
      ['/webhdfs/v1/user/ana/enlace?op=CREATESYMLINK&destination=/tmp/hadoop-yarn/staging', 'PUT'],
      ['/webhdfs/v1/user/ana/todo?op=CONCAT&sources=/user/ana/a,/tmp/hadoop-yarn/staging/x', 'POST'],
    ] as const) {
      expect(forwarded(decide(nn, url, method)), url).toMatch(refused);
    }
    expect(forwarded(decide(endpoints.datanodeHttp, '/webhdfs/v1/tmp/hadoop-yarn/staging/x?op=CREATE', 'PUT'))).toMatch(refused);
    expect(decide(nn, '/webhdfs/v1/tmp/hadoop-yarn/staging?op=LISTSTATUS')).toHaveProperty('url');
    expect(decide(nn, '/webhdfs/v1/tmp/hadoop-yarnito?op=MKDIRS', 'PUT')).toHaveProperty('url');
    expect(decide(nn, '/webhdfs/v1/user/ana/x?op=MKDIRS', 'PUT')).toHaveProperty('url');
  });

  it('un parámetro repetido (en cualquier mayúscula) se rechaza: el relé y Jersey no leerían el mismo', () => {
    const nn = endpoints.namenodeHttp;
    expect(forwarded(decide(nn, '/webhdfs/v1/?op=SETECPOLICY&op=LISTSTATUS', 'PUT'))).toBe('el parámetro op aparece dos veces: no se permite desde el sandbox');
    expect(forwarded(decide(nn, '/webhdfs/v1/?OP=SETECPOLICY&op=LISTSTATUS', 'PUT'))).toMatch(/op aparece dos veces/);
    expect(forwarded(decide(nn, '/webhdfs/v1/x?op=RENAME&destination=/user/ana/y&Destination=/tmp/hadoop-yarn/z', 'PUT'))).toMatch(/destination aparece dos veces/);
    expect(forwarded(decide(endpoints.datanodeHttp, '/webhdfs/v1/x?op=OPEN&namenoderpcaddress=a&namenoderpcaddress=b'))).toMatch(/aparece dos veces/);
    expect(forwarded(decide(nn, '/fsck?path=/user/ana&path=/user/bea'))).toBe('el parámetro path aparece dos veces: no se permite desde el sandbox');
    expect(forwarded(decide(nn, '/fsck?path=/user/ana&Files=1&files=1'))).toMatch(/files aparece dos veces/);
  });

  it('las redirecciones del NameNode solo llevan al DataNode del laboratorio', () => {
    expect(filter.location!('http://127.0.0.1:9873/webhdfs/v1/user/ana/x?op=CREATE', endpoints.namenodeHttp)).toBe('http://127.0.0.1:9873/webhdfs/v1/user/ana/x?op=CREATE');
    expect(filter.location!('http://10.0.0.9:9864/webhdfs/v1/x?op=OPEN', endpoints.namenodeHttp)).toBeUndefined();
  });
});
