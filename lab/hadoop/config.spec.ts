import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hadoopPortMap } from '../ports';
import { expectedJars } from '../kafka/download';
import { renderHadoopConfig, YARN_MEMORY } from './config';
import { externalHadoop, readSiteXml } from './external';
import { hadoopPaths } from './paths';
import { HADOOP_VERSION } from './version';
import { jobId, parseJobProgress } from './jobs';
import { HADOOP_JOB_WALL_MS } from '../../lib/limits';

const paths = hadoopPaths('/lab/hadoop', '/lab/hadoop/libs');
const files = renderHadoopConfig(paths, hadoopPortMap(9870), 'root');
const property = (file: string, name: string) => new RegExp(`<name>${name.replace(/\./g, '\\.')}</name>\\s*<value>([^<]*)</value>`).exec(files[file] ?? '')?.[1];

describe('configuración del Hadoop del laboratorio', () => {
  it('la versión del pom es la de version.ts y la lista de jars trae los cuatro demonios, MapReduce y sus ejemplos', () => {
    expect(readFileSync(paths.pom, 'utf8')).toContain(`<hadoop.version>${HADOOP_VERSION}</hadoop.version>`);
    const jars = expectedJars(paths.jarList);
    for (const artifact of [
      'hadoop-hdfs',
      'hadoop-yarn-server-resourcemanager',
      'hadoop-yarn-server-nodemanager',
      'hadoop-mapreduce-client-app',
      'hadoop-mapreduce-client-shuffle',
      'hadoop-mapreduce-examples',
    ])
      expect(jars).toContain(`${artifact}-${HADOOP_VERSION}.jar`);
    expect(jars.some((jar) => jar.startsWith('reload4j-'))).toBe(true); // Hadoop's logging backend
  });

  it('HDFS con una réplica y permisos; YARN con el shuffle de MapReduce y contenedores pequeños; todo en loopback', () => {
    expect(property('hdfs-site.xml', 'dfs.replication')).toBe('1');
    expect(property('hdfs-site.xml', 'dfs.permissions.enabled')).toBe('true');
    expect(property('core-site.xml', 'fs.defaultFS')).toBe('hdfs://127.0.0.1:9871');
    expect(property('yarn-site.xml', 'yarn.nodemanager.aux-services')).toBe('mapreduce_shuffle');
    expect(property('yarn-site.xml', 'yarn.nodemanager.resource.memory-mb')).toBe(String(YARN_MEMORY.nodeMb));
    expect(property('mapred-site.xml', 'mapreduce.framework.name')).toBe('yarn');
    expect(property('mapred-site.xml', 'yarn.app.mapreduce.am.resource.mb')).toBe('512');
    expect(property('mapred-site.xml', 'mapreduce.application.classpath')).toBe('/lab/hadoop/conf,/lab/hadoop/libs/*');
    // An AM must fit the queue's AM share of the node, or every job waits in ACCEPTED forever.
    const amShare = Number(property('capacity-scheduler.xml', 'yarn.scheduler.capacity.maximum-am-resource-percent'));
    expect(amShare * YARN_MEMORY.nodeMb).toBeGreaterThanOrEqual(YARN_MEMORY.amMb);
    const addresses = Object.values(files).flatMap((text) => [...text.matchAll(/<value>([\d.]+):\d+<\/value>/g)].map((m) => m[1]));
    expect(new Set(addresses)).toEqual(new Set(['127.0.0.1']));
  });

  it('modo externo: HADOOP_CONF_DIR se lee de sus *-site.xml; HADOOP_DEFAULT_FS solo, con los puertos web de Hadoop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cauce-hadoop-conf-'));
    try {
      for (const file of ['core-site.xml', 'hdfs-site.xml', 'yarn-site.xml']) writeFileSync(join(dir, file), files[file]!);
      expect(readSiteXml(join(dir, 'hdfs-site.xml'))['dfs.namenode.http-address']).toBe('127.0.0.1:9870');
      expect(externalHadoop({ HADOOP_CONF_DIR: dir })).toEqual({
        defaultFs: 'hdfs://127.0.0.1:9871',
        namenodeUrl: 'http://127.0.0.1:9870',
        resourcemanagerUrl: 'http://127.0.0.1:9875',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(externalHadoop({ HADOOP_DEFAULT_FS: 'hdfs://nn.cluster:8020' })).toEqual({
      defaultFs: 'hdfs://nn.cluster:8020',
      namenodeUrl: 'http://nn.cluster:9870',
      resourcemanagerUrl: 'http://nn.cluster:8088',
    });
    expect(externalHadoop({})).toBeUndefined();
  });

  it('el progreso de un trabajo se lee de las líneas del cliente («map 40% reduce 0%»)', () => {
    expect(parseJobProgress('INFO mapreduce.Job:  map 40% reduce 0%')).toEqual({ map: 40, reduce: 0 });
    expect(parseJobProgress('INFO mapreduce.Job: Running job: job_1_0001')).toBeUndefined();
  });

  it('el id del trabajo sale de «Submitted application» o de «Running job», siempre como job_…', () => {
    expect(jobId('INFO impl.YarnClientImpl: Submitted application application_1796633444712_0003')).toBe('job_1796633444712_0003');
    expect(jobId('INFO mapreduce.Job: Running job: job_1796633444712_0003')).toBe('job_1796633444712_0003');
    expect(jobId('INFO mapreduce.Job:  map 40% reduce 0%')).toBeUndefined();
  });

  it('YARN termina una aplicación que dura más que el reloj del trabajo (por si su cliente ya no está para matarla)', () => {
    expect(Number(property('capacity-scheduler.xml', 'yarn.scheduler.capacity.root.default.maximum-application-lifetime'))).toBe(HADOOP_JOB_WALL_MS / 1000);
  });
});
