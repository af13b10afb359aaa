/**
 * The Hadoop version the embedded lab runs. Keep it equal to `hadoop.version` in
 * lab/hadoop/pom.xml (a spec checks it). No imports, so the site can show it cheaply.
 */
export const HADOOP_VERSION = '3.4.2';
