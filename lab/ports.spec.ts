import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { firstUnavailablePort, launcherPorts, portMessage } from './ports';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port another program holds, as a student's other app would. */
function takenPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('puertos del arranque', () => {
  it('con el laboratorio integrado se comprueban el sitio, Kafka y su controlador, y Airflow con sus dos puertos de logs', () => {
    const ports = launcherPorts(
      { port: 3000, host: '127.0.0.1' },
      { CAUCE_KAFKA_PORT: '9092', CAUCE_AIRFLOW_PORT: '8080', CAUCE_HADOOP: 'off', CAUCE_S3: 'off', CAUCE_SPARK: 'off' },
    );
    expect(ports.map(({ port, owner }) => `${port} ${owner}`)).toEqual([
      '3000 el sitio',
      '9092 Kafka',
      '9093 el controlador de Kafka',
      '8080 Airflow (api-server)',
      '8081 el servidor de logs del scheduler de Airflow',
      '8082 el servidor de logs del triggerer de Airflow',
    ]);
  });

  it('Hadoop (aunque arranque bajo demanda) reserva su bloque de 14 puertos desde el 9870, que CAUCE_HADOOP_PORT mueve entero', () => {
    const ports = launcherPorts({ port: 3000, host: '127.0.0.1' }, { KAFKA_BROKERS: 'kafka:9092', AIRFLOW_API_URL: 'http://airflow:8080', CAUCE_S3: 'off', CAUCE_SPARK: 'off' });
    expect(ports.slice(1).map(({ port, owner }) => `${port} ${owner}`)).toEqual([
      '9870 el NameNode de Hadoop (web)',
      '9871 el NameNode de Hadoop (RPC)',
      '9872 el DataNode de Hadoop (datos)',
      '9873 el DataNode de Hadoop (web)',
      '9874 el DataNode de Hadoop (IPC)',
      '9875 el ResourceManager de YARN (web)',
      '9876 el ResourceManager de YARN (clientes)',
      '9877 el ResourceManager de YARN (scheduler)',
      '9878 el ResourceManager de YARN (NodeManagers)',
      '9879 el ResourceManager de YARN (admin)',
      '9880 el NodeManager de YARN (web)',
      '9881 el NodeManager de YARN (contenedores)',
      '9882 el NodeManager de YARN (localizador)',
      '9883 el shuffle de MapReduce',
    ]);
    const moved = launcherPorts(
      { port: 3000, host: '127.0.0.1' },
      { KAFKA_BROKERS: 'k:9092', AIRFLOW_API_URL: 'http://a:8080', CAUCE_HADOOP_PORT: '19870', CAUCE_S3: 'off', CAUCE_SPARK: 'off' },
    );
    expect(moved.slice(1).map(({ port }) => port)).toEqual(Array.from({ length: 14 }, (_, i) => 19_870 + i));
    expect(moved[1]?.moveWith).toBe('CAUCE_HADOOP_PORT (Hadoop usa ese puerto y los 13 siguientes)');
  });

  it('el almacén S3 (aunque arranque bajo demanda) reserva su bloque de 8 puertos desde el 8333, que CAUCE_S3_PORT mueve entero', () => {
    const external = { KAFKA_BROKERS: 'kafka:9092', AIRFLOW_API_URL: 'http://airflow:8080', CAUCE_HADOOP: 'off', CAUCE_SPARK: 'off' };
    const ports = launcherPorts({ port: 3000, host: '127.0.0.1' }, external);
    expect(ports.slice(1).map(({ port, owner }) => `${port} ${owner}`)).toEqual([
      '8333 el almacén S3 (API S3)',
      '8334 el almacén S3 (gRPC)',
      '8335 el master de SeaweedFS',
      '8336 el master de SeaweedFS (gRPC)',
      '8337 el servidor de volúmenes de SeaweedFS',
      '8338 el servidor de volúmenes de SeaweedFS (gRPC)',
      '8339 el filer de SeaweedFS',
      '8340 el filer de SeaweedFS (gRPC)',
    ]);
    const moved = launcherPorts({ port: 3000, host: '127.0.0.1' }, { ...external, CAUCE_S3_PORT: '18333' });
    expect(moved.slice(1).map(({ port }) => port)).toEqual(Array.from({ length: 8 }, (_, i) => 18_333 + i));
    expect(moved[1]?.moveWith).toBe('CAUCE_S3_PORT (el almacén S3 usa ese puerto y los 7 siguientes)');
  });

  it('Spark Connect (aunque arranque bajo demanda) reserva el 15002 en la interfaz local, que CAUCE_SPARK_PORT mueve', () => {
    const external = { KAFKA_BROKERS: 'kafka:9092', AIRFLOW_API_URL: 'http://airflow:8080', HADOOP_DEFAULT_FS: 'hdfs://nn:8020', CAUCE_S3: 'off' };
    expect(launcherPorts({ port: 3000, host: '127.0.0.1' }, external).slice(1)).toEqual([
      { port: 15_002, host: '127.0.0.1', owner: 'Spark Connect', moveWith: 'CAUCE_SPARK_PORT' },
    ]);
    expect(launcherPorts({ port: 3000, host: '127.0.0.1' }, { ...external, CAUCE_SPARK_PORT: '15102' })[1]?.port).toBe(15_102);
  });

  it('con Kafka, Airflow, Hadoop, S3 y Spark externos solo se comprueba el puerto del sitio, en la dirección en que escuchará', () => {
    const ports = launcherPorts(
      { port: 8000, host: '0.0.0.0' },
      {
        KAFKA_BROKERS: 'kafka:9092',
        AIRFLOW_API_URL: 'http://airflow:8080',
        HADOOP_DEFAULT_FS: 'hdfs://nn:8020',
        AWS_ENDPOINT_URL: 'https://s3.example.org',
        SPARK_REMOTE: 'sc://spark:15002',
      },
    );
    expect(ports).toEqual([{ port: 8000, host: '0.0.0.0', owner: 'el sitio', moveWith: '--port o PORT' }]);
  });

  it('un puerto ocupado se nombra con quién lo necesita y cómo cambiarlo', async () => {
    const port = await takenPort();
    const needs = launcherPorts({ port, host: '127.0.0.1' }, { KAFKA_BROKERS: 'kafka:9092', AIRFLOW_API_URL: 'http://airflow:8080', CAUCE_S3: 'off' });
    expect(await firstUnavailablePort(needs)).toBe(`El puerto ${port} (el sitio) ya está en uso. Libéralo o elige otro con --port o PORT.`);
  });

  it('el controlador de Kafka ocupado (el puerto siguiente) dice qué variable mueve los dos', async () => {
    const controller = await takenPort();
    const needs = launcherPorts({ port: 0, host: '127.0.0.1' }, { CAUCE_KAFKA_PORT: String(controller - 1), AIRFLOW_API_URL: 'http://airflow:8080' });
    expect(await firstUnavailablePort(needs.slice(2))).toBe(
      `El puerto ${controller} (el controlador de Kafka) ya está en uso. Libéralo o elige otro con CAUCE_KAFKA_PORT (Kafka usa ese puerto y el siguiente).`,
    );
  });

  it('el sitio en el puerto de Airflow (--port 8080) se detecta antes de arrancar, aunque el puerto esté libre', async () => {
    const needs = launcherPorts({ port: 8080, host: '127.0.0.1' }, { KAFKA_BROKERS: 'kafka:9092' });
    expect(await firstUnavailablePort(needs)).toBe(
      'El puerto 8080 lo necesitan el sitio y Airflow (api-server). Elige otro con --port o PORT, o con CAUCE_AIRFLOW_PORT (Airflow usa ese puerto y los dos siguientes).',
    );
  });

  it('los puertos libres no dan mensaje; uno fuera de rango sí', async () => {
    expect(await firstUnavailablePort([{ port: 0, host: '127.0.0.1', owner: 'el sitio', moveWith: '--port o PORT' }])).toBeUndefined();
    expect(await firstUnavailablePort([{ port: 65_537, host: '127.0.0.1', owner: 'el servidor de logs del triggerer de Airflow', moveWith: 'CAUCE_AIRFLOW_PORT' }])).toMatch(
      /^No se puede escuchar en 127\.0\.0\.1:65537 \(el servidor de logs del triggerer de Airflow\)/,
    );
    expect(portMessage({ port: 80, host: '0.0.0.0', owner: 'el sitio', moveWith: '--port o PORT' }, 'EACCES')).toBe(
      'El puerto 80 (el sitio) necesita permisos de administrador. Elige otro (desde el 1024) con --port o PORT.',
    );
  });
});
