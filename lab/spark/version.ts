/**
 * The Spark version the lab runs: pyspark from PyPI (lab/spark/python/requirements.lock) is both
 * the server's jars and the client. Keep it equal to `spark.version` in lab/spark/pom.xml (a spec
 * checks it). No imports, so the site can show it cheaply.
 */
export const SPARK_VERSION = '4.2.0';

/** The Hadoop inside pyspark's jars folder: hadoop-aws in lab/spark/pom.xml must be this one. */
export const SPARK_HADOOP_VERSION = '3.5.0';
