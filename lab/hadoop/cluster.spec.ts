/**
 * Against a real Hadoop: NameNode, DataNode, ResourceManager and NodeManager from the lab's jars
 * (.lab/hadoop/libs, fetched by Maven on first use), in a fresh state folder and port block, so it
 * runs beside a developer's own lab. No skip: without Java or Maven the first step fails, saying so.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HDFS_HOME_QUOTA } from '../../lib/limits';
import { HadoopErrorNotices } from '../../lib/runs/shell/errors';
import { Supervisor } from '../supervisor';
import { HadoopCluster, runHadoopJava } from './cluster';
import { checkHadoop } from './health';
import { runExample } from './jobs';
import { startHadoop } from './start';
import { freePortBlock } from './test-helpers';
import { WebHdfsError } from './webhdfs';

const MINUTE = 60_000;
const FS_SHELL = 'org.apache.hadoop.fs.FsShell';

describe('Hadoop del laboratorio (HDFS + YARN)', () => {
  let stateDir: string;
  let port: number;
  let cluster: HadoopCluster;
  let supervisor: Supervisor;
  let formatted: boolean;

  beforeAll(async () => {
    port = await freePortBlock();
    stateDir = mkdtempSync(join(tmpdir(), 'cauce-hadoop-'));
    cluster = new HadoopCluster({ port, stateDir });
    ({ formatted } = await cluster.prepare());
    supervisor = new Supervisor(cluster, { log: () => undefined, healthTimeoutMs: 3 * MINUTE });
    await supervisor.start();
  }, 6 * MINUTE);

  afterAll(async () => {
    await supervisor?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  it('arranca desde una carpeta vacía (formatea HDFS) y responde a las comprobaciones de salud', async () => {
    expect(formatted).toBe(true);
    const health = await checkHadoop(cluster.endpoints);
    expect(health.ok, health.error).toBe(true);
    expect(health.components.map((c) => `${c.component}: ${c.state}`)).toEqual(['NameNode: started', 'DataNode: started', 'ResourceManager: started', 'NodeManager: started']);
    expect(health.hdfs?.liveDataNodes).toBe(1);
    expect(health.hdfs?.capacityBytes).toBeGreaterThan(0);
    expect(health.hdfs?.version).toBe('3.4.2');
    expect(health.yarn?.activeNodes).toBe(1);
    // The folders the lab makes: /tmp for MapReduce's staging (sticky, world-writable), /user for homes.
    expect((await cluster.webHdfs.status('/tmp'))?.permission).toBe('1777');
    expect((await cluster.webHdfs.status('/user'))?.permission).toBe('755');
  });

  it('una carpeta /user cerrada (700, la de un hogar creado antes que la base) vuelve a 755 en el siguiente arranque', async () => {
    await cluster.webHdfs.setPermission('/user', '700');
    await cluster.webHdfs.ensureBaseLayout();
    expect((await cluster.webHdfs.status('/user'))?.permission).toBe('755');
  });

  it('cada alumno tiene su hogar /user/<alumno> (700): otro alumno recibe un error de permisos de HDFS', { timeout: 2 * MINUTE }, async () => {
    const hdfs = cluster.webHdfs;
    expect(await hdfs.ensureHome('ana')).toBe('/user/ana');
    await hdfs.ensureHome('bea');
    expect(await hdfs.status('/user/ana')).toMatchObject({ owner: 'ana', permission: '700' });

    const local = join(stateDir, 'notas.txt');
    writeFileSync(local, 'hola desde ana\n');
    const put = await runHadoopJava(cluster.paths, FS_SHELL, ['-put', local, '/user/ana/notas.txt'], { user: 'ana', quiet: true });
    expect(put.code, put.output).toBe(0);
    expect(await hdfs.list('/user/ana', 'ana')).toEqual(['notas.txt']);

    // bea, through WebHDFS and through the hdfs dfs shell: refused by the NameNode.
    const refused = await hdfs.list('/user/ana', 'bea').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WebHdfsError);
    expect((refused as WebHdfsError).exception).toBe('AccessControlException');
    const cat = await runHadoopJava(cluster.paths, FS_SHELL, ['-cat', '/user/ana/notas.txt'], { user: 'bea', quiet: true });
    expect(cat.code).not.toBe(0);
    expect(cat.output).toContain('Permission denied: user=bea, access=EXECUTE, inode="/user/ana"');
    const write = await runHadoopJava(cluster.paths, FS_SHELL, ['-put', local, '/user/ana/intruso.txt'], { user: 'bea', quiet: true });
    expect(write.code).not.toBe(0);
    expect(write.output).toContain('Permission denied');
  });

  it('cada hogar tiene su cuota de espacio y de nombres; pasarse la cuota se explica en español', { timeout: 2 * MINUTE }, async () => {
    const hdfs = cluster.webHdfs;
    await hdfs.ensureHome('carla');
    expect(await hdfs.quota('/user/carla')).toMatchObject({ names: HDFS_HOME_QUOTA.names, spaceBytes: HDFS_HOME_QUOTA.spaceMb * 1024 * 1024 });

    // A quota smaller than one block: HDFS refuses the first block it would allocate.
    await hdfs.setQuota('/user/carla', { names: HDFS_HOME_QUOTA.names, spaceBytes: 1024 });
    const local = join(stateDir, 'grande.txt');
    writeFileSync(local, 'x'.repeat(4096));
    const put = await runHadoopJava(cluster.paths, FS_SHELL, ['-put', local, '/user/carla/grande.txt'], { user: 'carla', quiet: true });
    expect(put.code).not.toBe(0);
    const notices = new HadoopErrorNotices();
    const said = put.output
      .split('\n')
      .map((line) => notices.observe(line))
      .filter(Boolean);
    expect(said).toEqual([expect.stringContaining(`Has llenado tu cuota de espacio en HDFS (/user/carla): cada alumno tiene ${HDFS_HOME_QUOTA.spaceMb} MB`)]);

    // Making the home again (the site does, once per server process) restores the lab's quota.
    await hdfs.ensureHome('carla');
    expect((await hdfs.quota('/user/carla')).spaceBytes).toBe(HDFS_HOME_QUOTA.spaceMb * 1024 * 1024);
  });

  it('un wordcount (hadoop-mapreduce-examples) lanzado por el laboratorio corre en YARN como el alumno, con su progreso', { timeout: 4 * MINUTE }, async () => {
    const progress: string[] = [];
    const job = await runExample(cluster.paths, 'wordcount', ['/user/ana/notas.txt', '/user/ana/conteo'], {
      user: 'ana',
      onProgress: ({ map, reduce }) => progress.push(`map ${map}% reduce ${reduce}%`),
    });
    expect(job.ok, job.output.split('\n').slice(-15).join('\n')).toBe(true);
    expect(progress.at(-1)).toBe('map 100% reduce 100%');
    const apps = (await (await fetch(`${cluster.endpoints.resourcemanagerUrl}/ws/v1/cluster/apps`)).json()) as {
      apps: { app: { id: string; user: string; finalStatus: string }[] };
    };
    const app = apps.apps.app.find((a) => job.jobId?.replace('job_', 'application_') === a.id);
    expect(app).toMatchObject({ user: 'ana', finalStatus: 'SUCCEEDED' });
    expect(await cluster.webHdfs.status('/user/ana/conteo')).toMatchObject({ owner: 'ana' });
    const counts = await runHadoopJava(cluster.paths, FS_SHELL, ['-cat', '/user/ana/conteo/part-r-00000'], { user: 'ana', quiet: true });
    expect(counts.output).toMatch(/^hola\t1$/m);
    // bea's job cannot read ana's file: HDFS refuses it at submission (input splits).
    const intruder = await runExample(cluster.paths, 'wordcount', ['/user/ana/notas.txt', '/tmp/bea-conteo'], { user: 'bea' });
    expect(intruder.ok).toBe(false);
    expect(intruder.output).toContain('Permission denied: user=bea');
  });

  it('modo externo: con HADOOP_CONF_DIR de un clúster existente no se arranca nada y el sitio lee ese clúster', async () => {
    const before = process.env.HADOOP_CONF_DIR;
    process.env.HADOOP_CONF_DIR = cluster.paths.confDir; // this spec's cluster, as another machine's would be
    try {
      const lines: string[] = [];
      const external = await startHadoop({ log: (line) => lines.push(line) });
      expect(external.mode).toBe('external');
      expect(external.env).toEqual({
        CAUCE_HADOOP_MODE: 'external',
        CAUCE_HADOOP_NAMENODE_URL: cluster.endpoints.namenodeUrl,
        CAUCE_HADOOP_RM_URL: cluster.endpoints.resourcemanagerUrl,
      });
      expect(lines).toEqual([`Modo externo: Hadoop disponible (${cluster.defaultFs}).`]);
      await external.stop();
      expect(Object.keys(cluster.pids)).toHaveLength(4); // stopping external mode stops nothing
    } finally {
      if (before === undefined) delete process.env.HADOOP_CONF_DIR;
      else process.env.HADOOP_CONF_DIR = before;
    }
  });

  it('si un demonio muere (kill -9 del DataNode), el supervisor vuelve a arrancar los cuatro y los datos siguen ahí', { timeout: 4 * MINUTE }, async () => {
    const dataNode = cluster.pids.DataNode;
    expect(dataNode).toBeDefined();
    const back = new Promise<void>((resolvePromise) => supervisor.once('healthy', resolvePromise));
    process.kill(dataNode!, 'SIGKILL');
    await back;
    expect(cluster.pids.DataNode).not.toBe(dataNode);
    expect(Object.keys(cluster.pids)).toEqual(['NameNode', 'DataNode', 'ResourceManager', 'NodeManager']);
    expect((await checkHadoop(cluster.endpoints)).ok).toBe(true);
    const cat = await runHadoopJava(cluster.paths, FS_SHELL, ['-cat', '/user/ana/notas.txt'], { user: 'ana', quiet: true });
    expect(cat.output).toContain('hola desde ana');
  });

  it('al reiniciar conserva los datos: un archivo puesto antes sigue ahí después', { timeout: 5 * MINUTE }, async () => {
    const local = join(stateDir, 'antes.txt');
    writeFileSync(local, 'escrito antes de reiniciar\n');
    const put = await runHadoopJava(cluster.paths, FS_SHELL, ['-put', '-f', local, '/user/ana/antes.txt'], { user: 'ana', quiet: true });
    expect(put.code, put.output).toBe(0);

    await supervisor.stop();
    expect(Object.keys(cluster.pids)).toEqual([]);
    cluster = new HadoopCluster({ port, stateDir });
    expect((await cluster.prepare()).formatted).toBe(false);
    supervisor = new Supervisor(cluster, { log: () => undefined, healthTimeoutMs: 3 * MINUTE });
    await supervisor.start();

    const cat = await runHadoopJava(cluster.paths, FS_SHELL, ['-cat', '/user/ana/antes.txt'], { user: 'ana', quiet: true });
    expect(cat.code, cat.output).toBe(0);
    expect(cat.output).toContain(readFileSync(local, 'utf8').trim());
    expect(await cluster.webHdfs.status('/user/ana')).toMatchObject({ owner: 'ana', permission: '700' });
  });
});
