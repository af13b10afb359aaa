import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envVar, type EnvSource } from '../../lib/env';
import type { HadoopEndpoints } from './health';

/** Properties of one `*-site.xml`, read without an XML library (name/value pairs only). */
export function readSiteXml(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const properties: Record<string, string> = {};
  for (const match of text.matchAll(/<property>[\s\S]*?<name>\s*([^<]+?)\s*<\/name>[\s\S]*?<value>\s*([^<]*?)\s*<\/value>[\s\S]*?<\/property>/g)) {
    if (match[1]) properties[match[1]] = match[2] ?? '';
  }
  return properties;
}

/**
 * An existing cluster's endpoints: from HADOOP_CONF_DIR's core-site, hdfs-site and yarn-site, or
 * from HADOOP_DEFAULT_FS alone with Hadoop 3's default web ports (9870, 8088) on its host.
 * Undefined when neither is set (the embedded lab).
 */
export function externalHadoop(source: EnvSource = process.env): (HadoopEndpoints & { defaultFs: string }) | undefined {
  const confDir = envVar('HADOOP_CONF_DIR', source)?.trim();
  const core = confDir ? readSiteXml(join(confDir, 'core-site.xml')) : {};
  const hdfs = confDir ? readSiteXml(join(confDir, 'hdfs-site.xml')) : {};
  const yarn = confDir ? readSiteXml(join(confDir, 'yarn-site.xml')) : {};
  const defaultFs = core['fs.defaultFS'] ?? envVar('HADOOP_DEFAULT_FS', source)?.trim();
  if (!confDir && !defaultFs) return undefined;
  const host = defaultFs ? new URL(defaultFs.replace(/^hdfs:/, 'http:')).hostname : 'localhost';
  const rmHost = yarn['yarn.resourcemanager.hostname'] ?? host;
  const namenodeHttp = hdfs['dfs.namenode.http-address']?.replace('0.0.0.0', host) ?? `${host}:9870`;
  const rmHttp = yarn['yarn.resourcemanager.webapp.address']?.replace('${yarn.resourcemanager.hostname}', rmHost).replace('0.0.0.0', rmHost) ?? `${rmHost}:8088`;
  return { defaultFs: defaultFs ?? `hdfs://${host}:8020`, namenodeUrl: `http://${namenodeHttp}`, resourcemanagerUrl: `http://${rmHttp}` };
}
