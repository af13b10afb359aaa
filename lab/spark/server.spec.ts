/**
 * The lab's Spark Connect server, for real: started on demand from an empty state folder (pip,
 * Maven and javac only the first time on a machine), a real pyspark client against it, every
 * refusal of the guards tried from that client, S3 credentials kept per session, and a killed JVM
 * brought back by its supervisor. One server (and one Kafka broker) for the whole file.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '../kafka/broker';
import { freePortPair, tempStateDir, testClient } from '../kafka/test-helpers';
import { Supervisor } from '../supervisor';
import { checkSpark } from './health';
import { SPARK_SOURCE_DIR } from './paths';
import { requestSparkStart } from './request';
import { startSpark, type RunningSpark } from './start';
import { deniedSentence, freeSparkPort, keyRecorder, runClient, type Attempt } from './test-helpers';
import { SPARK_HADOOP_VERSION, SPARK_VERSION } from './version';

const MINUTE = 60_000;

describe('el servidor Spark Connect del laboratorio', () => {
  const root = tempStateDir('spark');
  let broker: KafkaBroker;
  let kafka: Supervisor;
  let spark: RunningSpark;
  let s3: Awaited<ReturnType<typeof keyRecorder>>;
  let remote: string;

  beforeAll(async () => {
    chmodSync(root, 0o755); // the server's own uid passes through it to its state folder
    s3 = await keyRecorder();
    broker = new KafkaBroker({ port: await freePortPair(), stateDir: join(root, 'kafka') });
    await broker.prepare();
    kafka = new Supervisor(broker, { log: () => undefined });
    const [port] = await Promise.all([freeSparkPort(), kafka.start()]);
    spark = await startSpark({
      when: 'demand',
      log: () => undefined,
      server: { port, stateDir: join(root, 'spark', 'server'), kafkaBootstrap: broker.brokers, s3Endpoint: s3.url },
    });
    remote = spark.env.CAUCE_SPARK_REMOTE!;
  }, 10 * MINUTE);

  afterAll(async () => {
    await spark?.stop();
    await kafka?.stop();
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('bajo demanda: nada escucha hasta que el sitio lo pide; entonces arranca y responde a una consulta real', { timeout: 3 * MINUTE }, async () => {
    expect(spark.mode).toBe('embedded');
    expect(spark.env).toEqual({ CAUCE_SPARK_MODE: 'embedded', CAUCE_SPARK_REMOTE: remote, CAUCE_SPARK_KAFKA_BOOTSTRAP: broker.brokers });
    expect((await checkSpark(remote, 10_000)).ok).toBe(false);
    requestSparkStart(root);
    const deadline = Date.now() + 2 * MINUTE;
    let health = await checkSpark(remote, 30_000);
    while (!health.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      health = await checkSpark(remote, 30_000);
    }
    expect(health).toEqual({ ok: true, version: SPARK_VERSION });
  });

  it('una sesión ejecuta una consulta por lotes y ve sus propias vistas temporales', { timeout: 2 * MINUTE }, async () => {
    const attempts = await runClient(
      remote,
      `
df = spark.range(100).withColumn("par", F.col("id") % 2 == 0)
attempt("conteo", lambda: sorted((r["par"], r["count"]) for r in df.groupBy("par").count().collect()))
attempt("vista", lambda: df.createOrReplaceTempView("numeros") or spark.sql("SELECT max(id) AS m FROM numeros").first()["m"])
attempt("ajuste", lambda: spark.conf.set("spark.sql.shuffle.partitions", "3") or spark.conf.get("spark.sql.shuffle.partitions"))
`,
    );
    expect(attempts.get('conteo')).toMatchObject({ ok: true, result: '[(False, 50), (True, 50)]' });
    expect(attempts.get('vista')).toMatchObject({ ok: true, result: '99' });
    expect(attempts.get('ajuste')).toMatchObject({ ok: true, result: '3' });
  });

  it('rechaza en español todo lo que escaparía del servidor compartido: código propio, ficheros locales, otros formatos, tablas y ajustes', { timeout: 3 * MINUTE }, async () => {
    const attempts = await runClient(
      remote,
      `
from pyspark.sql.streaming.listener import StreamingQueryListener
class Oyente(StreamingQueryListener):
    def onQueryStarted(self, e): pass
    def onQueryProgress(self, e): pass
    def onQueryIdle(self, e): pass
    def onQueryTerminated(self, e): pass
rate = lambda: spark.readStream.format("rate").load()
attempt("reflect", lambda: spark.sql("SELECT reflect('java.lang.System', 'getProperty', 'user.name')").collect())
attempt("java_method", lambda: spark.range(1).select(F.expr("java_method('java.lang.System', 'getenv', 'PATH')")).collect())
attempt("try_reflect", lambda: spark.sql("SELECT try_reflect('java.lang.Runtime', 'getRuntime')").collect())
attempt("udf", lambda: spark.range(1).select(F.udf(lambda x: x + 1)("id")).collect())
attempt("pandas_udf", lambda: spark.range(1).mapInPandas(lambda it: it, "id long").collect())
attempt("udtf", lambda: spark.udtf.register("t", F.udtf(type("T", (), {"eval": lambda self, x: iter([(x,)])}), returnType="x int")))
attempt("applyInPandas", lambda: spark.range(2).groupBy("id").applyInPandas(lambda pdf: pdf, "id long").collect())
attempt("foreachBatch", lambda: rate().writeStream.foreachBatch(lambda df, i: None).start())
attempt("foreach", lambda: rate().writeStream.foreach(lambda row: None).start())
attempt("client listener", lambda: spark.streams.addListener(Oyente()) or spark.streams.removeListener(Oyente()))
import pyspark.sql.connect.proto as pb2
def server_listener():
    command = pb2.Command()
    command.streaming_query_manager_command.add_listener.listener_payload = b"x"
    command.streaming_query_manager_command.add_listener.id = "x"
    return spark.client.execute_command(command)
attempt("server listener", server_listener)
attempt("addArtifacts", lambda: spark.addArtifacts("/etc/hostname", file=True))
attempt("ADD JAR", lambda: spark.sql("ADD JAR /tmp/x.jar").collect())
attempt("ADD FILE", lambda: spark.sql("ADD FILE /etc/hostname").collect())
attempt("CREATE FUNCTION", lambda: spark.sql("CREATE TEMPORARY FUNCTION f AS 'org.example.F'").collect())
attempt("file:///etc/passwd", lambda: spark.read.text("file:///etc/passwd").collect())
attempt("/etc/passwd", lambda: spark.read.text("/etc/passwd").collect())
attempt("lab folder", lambda: spark.read.json("${root}").schema)
attempt("path option", lambda: spark.read.format("csv").option("path", "/etc/passwd").load().collect())
attempt("hdfs", lambda: spark.read.parquet("hdfs://127.0.0.1:9871/user").collect())
attempt("SQL on file", lambda: spark.sql("SELECT * FROM text.\`/etc/passwd\`").collect())
attempt("fs option", lambda: spark.read.option("fs.s3a.impl", "org.apache.hadoop.fs.LocalFileSystem").text("s3a://x/etc/passwd").collect())
attempt("write local", lambda: spark.range(1).write.mode("overwrite").parquet("/tmp/cauce-spark-escape"))
attempt("INSERT DIRECTORY", lambda: spark.sql("INSERT OVERWRITE DIRECTORY '/tmp/cauce-spark-escape' USING parquet SELECT 1").collect())
attempt("checkpoint local", lambda: rate().writeStream.format("console").option("checkpointLocation", "/tmp/cauce-cp").start())
attempt("stream to local", lambda: rate().writeStream.format("parquet").option("checkpointLocation", "s3a://test-bucket/cp").start("/tmp/out"))
attempt("jdbc", lambda: spark.read.format("jdbc").option("url", "jdbc:h2:mem:").option("dbtable", "t").load().collect())
attempt("socket", lambda: spark.readStream.format("socket").option("host", "127.0.0.1").option("port", 3000).load().writeStream.format("console").start())
attempt("orc", lambda: spark.read.orc("s3a://test-bucket/x").collect())
attempt("saveAsTable", lambda: spark.range(1).write.saveAsTable("t"))
attempt("CREATE TABLE", lambda: spark.sql("CREATE TABLE t (a INT) USING parquet").collect())
attempt("toTable", lambda: rate().writeStream.option("checkpointLocation", "s3a://test-bucket/cp").toTable("t"))
attempt("writeTo", lambda: spark.range(1).writeTo("t").create())
attempt("catalog.createTable", lambda: spark.catalog.createTable("t", path="/tmp/t"))
attempt("CREATE VIEW USING", lambda: spark.sql("CREATE TEMPORARY VIEW v USING text OPTIONS (path '/etc/passwd')").collect())
attempt("global view", lambda: spark.range(1).createGlobalTempView("g"))
attempt("conf runSQLOnFiles", lambda: spark.conf.set("spark.sql.runSQLOnFiles", "true"))
attempt("SET runSQLOnFiles", lambda: spark.sql("SET spark.sql.runSQLOnFiles=true").collect())
attempt("conf endpoint", lambda: spark.conf.set("fs.s3a.endpoint", "http://127.0.0.1:3000"))
attempt("checkpoint()", lambda: spark.range(1).checkpoint())
attempt("rate flood", lambda: spark.readStream.format("rate").option("rowsPerSecond", 10000000).load().writeStream.format("console").start())
attempt("kafka other listener", lambda: spark.read.format("kafka").option("kafka.bootstrap.servers", "127.0.0.1:${(Number(/:(\d+)$/.exec(broker.brokers)?.[1]) + 1).toString()}").option("subscribe", "t").load().collect())
attempt("kafka jaas", lambda: spark.read.format("kafka").option("kafka.bootstrap.servers", "${broker.brokers}").option("kafka.sasl.jaas.config", "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\\"/etc/krb5.keytab\\";").option("subscribe", "t").load().collect())
attempt("kafka plaintext", lambda: spark.read.format("kafka").option("kafka.bootstrap.servers", "${broker.brokers}").option("kafka.security.protocol", "PLAINTEXT").option("subscribe", "t").load().collect())
attempt("kafka config provider", lambda: spark.read.format("kafka").option("kafka.bootstrap.servers", "${broker.brokers}").option("kafka.config.providers", "file").option("subscribe", "t").load().collect())
`,
    );
    const expected: Record<string, RegExp> = {
      reflect: /^reflect, java_method y try_reflect llamarían a métodos de Java/,
      java_method: /^reflect, java_method y try_reflect/,
      try_reflect: /^reflect, java_method y try_reflect/,
      udf: /^El laboratorio no ejecuta funciones de Python, Scala o Java propias/,
      pandas_udf: /^El laboratorio no ejecuta funciones de Python/,
      udtf: /^El laboratorio no ejecuta funciones de Python/,
      applyInPandas: /^El laboratorio no ejecuta funciones de Python/,
      foreachBatch: /^foreach y foreachBatch ejecutarían tu código/,
      foreach: /^foreach y foreachBatch/,
      'server listener': /^Los listeners de consultas en el servidor no están permitidos/,
      addArtifacts: /^El laboratorio no acepta jars, ficheros ni artefactos/,
      'ADD JAR': /^El laboratorio no acepta jars/,
      'ADD FILE': /^El laboratorio no acepta jars/,
      'CREATE FUNCTION': /^El laboratorio no ejecuta funciones/,
      'file:///etc/passwd': /^En el laboratorio Spark solo lee y escribe en el almacén S3 .*«file:\/\/\/etc\/passwd»/,
      '/etc/passwd': /solo lee y escribe en el almacén S3 .*«\/etc\/passwd»/,
      'lab folder': /solo lee y escribe en el almacén S3/,
      'path option': /solo lee y escribe en el almacén S3 .*«\/etc\/passwd»/,
      hdfs: /solo lee y escribe en el almacén S3 .*«hdfs:/,
      'fs option': /^La opción «fs\.s3a\.impl» no está permitida con el formato text/,
      'write local': /solo lee y escribe en el almacén S3/,
      'INSERT DIRECTORY': /^El laboratorio no guarda tablas/,
      'checkpoint local': /solo lee y escribe en el almacén S3 .*«\/tmp\/cauce-cp»/,
      'stream to local': /solo lee y escribe en el almacén S3 .*«\/tmp\/out»/,
      jdbc: /^El formato «jdbc» no está permitido/,
      socket: /^El formato «socket» no está permitido/,
      orc: /^El formato «orc» no está permitido/,
      saveAsTable: /^El laboratorio no guarda tablas en el catálogo/,
      'CREATE TABLE': /^El laboratorio no guarda tablas/,
      toTable: /^El laboratorio no guarda tablas/,
      writeTo: /^El laboratorio no guarda tablas/,
      'catalog.createTable': /^El laboratorio no guarda tablas/,
      'CREATE VIEW USING': /^El laboratorio no guarda tablas/,
      'global view': /^Las vistas globales se verían desde las sesiones de otros alumnos/,
      'conf runSQLOnFiles': /^La configuración «spark\.sql\.runSQLOnFiles» no se puede cambiar/,
      'SET runSQLOnFiles': /^La configuración «spark\.sql\.runSQLOnFiles» no se puede cambiar/,
      'conf endpoint': /^La configuración «fs\.s3a\.endpoint» no se puede cambiar/,
      'checkpoint()': /^Esta operación \(checkpoint\(\)\) no está permitida/,
      'rate flood': /^La opción «rowsPerSecond» admite como mucho 10000/,
      'kafka other listener': /^kafka\.bootstrap\.servers debe ser el Kafka del laboratorio/,
      'kafka jaas': /^En el laboratorio Kafka se usa con SASL_PLAINTEXT y SCRAM/,
      'kafka plaintext': /^En el laboratorio Kafka se usa con SASL_PLAINTEXT y SCRAM .*«PLAINTEXT»/,
      'kafka config provider': /^La opción «kafka\.config\.providers» no está permitida con el formato kafka/,
    };
    const outcome = (attempt: Attempt | undefined) => deniedSentence(attempt) ?? `PERMITIDO O SIN MARCA: ${attempt?.result ?? attempt?.message?.slice(0, 300)}`;
    for (const [name, sentence] of Object.entries(expected)) expect(outcome(attempts.get(name)), name).toMatch(sentence);
    // pyspark 4's listeners run in the client (events come over the listener bus): allowed.
    expect(attempts.get('client listener')).toMatchObject({ ok: true });
    // SQL on files is off entirely: the path is not even looked up.
    expect(attempts.get('SQL on file')).toMatchObject({ ok: false });
    expect(attempts.get('SQL on file')?.message).toContain('TABLE_OR_VIEW_NOT_FOUND');
  });

  it('cada sesión usa sus propias credenciales de S3: las de una no sirven a otra, y sin credenciales no hay acceso', { timeout: 2 * MINUTE }, async () => {
    const read = (key: string | undefined, path: string) => `
${key ? `spark.conf.set("fs.s3a.access.key", "${key}"); spark.conf.set("fs.s3a.secret.key", "secret-${key}")` : ''}
attempt("read", lambda: spark.read.parquet("s3a://test-bucket/${path}/").collect())
`;
    const [ana, bruno] = await Promise.all([runClient(remote, read('AKIAANA', 'ana')), runClient(remote, read('AKIABRUNO', 'bruno'))]);
    const nobody = await runClient(remote, read(undefined, 'nadie'));
    for (const attempts of [ana, bruno]) expect(attempts.get('read')?.ok).toBe(false); // the stand-in store has nothing
    expect(nobody.get('read')?.message).toMatch(/No AWS credentials/i);
    const signers = (path: string) => [...new Set(s3.keys.filter((line) => line.includes(`/${path}`)).map((line) => line.split(' ')[0]))];
    expect(signers('ana')).toEqual(['AKIAANA']);
    expect(signers('bruno')).toEqual(['AKIABRUNO']);
    expect(signers('nadie')).toEqual([]);
  });

  it('lee un tema del Kafka del laboratorio por su listener SASL con SCRAM', { timeout: 2 * MINUTE }, async () => {
    const topic = `spark-${randomUUID().slice(0, 8)}`;
    const admin = broker.adminSasl;
    const producer = testClient(broker.brokers, admin).producer();
    await producer.connect();
    await producer.send({ topic, messages: ['uno', 'dos', 'tres'].map((value) => ({ value })) });
    await producer.disconnect();
    const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"${admin.username}\\" password=\\"${admin.password}\\";`;
    const attempts = await runClient(
      remote,
      `
df = (spark.read.format("kafka").option("kafka.bootstrap.servers", "${broker.brokers}")
      .option("kafka.security.protocol", "SASL_PLAINTEXT").option("kafka.sasl.mechanism", "SCRAM-SHA-512")
      .option("kafka.sasl.jaas.config", "${jaas}").option("subscribe", "${topic}").option("startingOffsets", "earliest").load())
attempt("kafka", lambda: sorted(r[0] for r in df.selectExpr("CAST(value AS STRING)").collect()))
`,
    );
    expect(attempts.get('kafka')).toMatchObject({ ok: true, result: "['dos', 'tres', 'uno']" });
  });

  it('una sesión tiene como mucho cuatro consultas en streaming a la vez; la quinta se rechaza en español', { timeout: 2 * MINUTE }, async () => {
    const attempts = await runClient(
      remote,
      `
start = lambda: spark.readStream.format("rate").option("rowsPerSecond", 1).load().writeStream.format("noop").start()
queries = [start() for _ in range(4)]
attempt("fifth", start)
for q in queries: q.stop()
attempt("after stopping", lambda: start().stop())
`,
    );
    expect(deniedSentence(attempts.get('fifth'))).toMatch(/^Ya tienes 4 consultas en streaming en marcha en esta sesión/);
    expect(attempts.get('after stopping')).toMatchObject({ ok: true });
  });

  it('diez sesiones con una consulta en streaming cada una caben en el servidor', { timeout: 3 * MINUTE }, async () => {
    const body = `
q = spark.readStream.format("rate").option("rowsPerSecond", 10).load().writeStream.format("memory").queryName("q").start()
import time
deadline = time.time() + 60
while time.time() < deadline and not any((p.numInputRows or 0) > 0 for p in q.recentProgress):
    time.sleep(1)
attempt("progress", lambda: max((p.numInputRows or 0) for p in q.recentProgress))
q.stop()
`;
    const sessions = await Promise.all(Array.from({ length: 10 }, () => runClient(remote, body, 150_000)));
    for (const attempts of sessions) expect(Number(attempts.get('progress')?.result)).toBeGreaterThan(0);
  });

  it('si la JVM muere, su supervisor la vuelve a arrancar y responde de nuevo', { timeout: 4 * MINUTE }, async () => {
    const server = spark.server!;
    const jvm = javaPid(server.pid!);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    process.kill(jvm, 'SIGKILL');
    await exited;
    const deadline = Date.now() + 3 * MINUTE;
    let health = await checkSpark(remote, 30_000);
    while (!health.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      health = await checkSpark(remote, 30_000);
    }
    expect(health.ok).toBe(true);
    expect(javaPid(server.pid!)).not.toBe(jvm);
  });

  it('las versiones fijadas coinciden: el pom, pyspark y el Hadoop que trae', () => {
    const pom = readFileSync(join(SPARK_SOURCE_DIR, 'pom.xml'), 'utf8');
    expect(pom).toContain(`<spark.version>${SPARK_VERSION}</spark.version>`);
    expect(pom).toContain(`<hadoop.version>${SPARK_HADOOP_VERSION}</hadoop.version>`);
    expect(readFileSync(join(SPARK_SOURCE_DIR, 'python', 'requirements.in'), 'utf8')).toContain(`pyspark[connect]==${SPARK_VERSION}`);
    expect(readdirSync(spark.server!.python.sparkJars)).toContain(`hadoop-client-api-${SPARK_HADOOP_VERSION}.jar`);
    expect(readFileSync(join(spark.server!.python.sparkHome, 'version.py'), 'utf8')).toContain(SPARK_VERSION);
  });
});

/** The JVM under the server's process (setpriv → bwrap → java as root; java itself otherwise). */
function javaPid(pid: number): number {
  let current = pid;
  for (let depth = 0; depth < 4; depth += 1) {
    if (readFileSync(`/proc/${current}/comm`, 'utf8').trim() === 'java') return current;
    const children = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length === 0) break;
    current = Number(children[0]);
  }
  throw new Error(`no hay una JVM bajo el pid ${pid}`);
}
