package cauce.spark;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a student's Spark Connect session may do on the lab's shared server, in one place: both
 * guards (ConnectGuard on the gRPC requests, PlanGuard on the analyzed plans) ask it. Every
 * student's plan runs inside this one JVM as the lab's own user, so everything is refused
 * unless listed here: data only from s3a:// (each session brings its own store credentials),
 * Kafka only through the lab broker's SASL listener with SCRAM, no code of the student's own on
 * the server (UDFs, foreach, listeners, artifacts), no catalog writes, no config that would
 * change any of that.
 *
 * A refusal is a {@link Denied} whose message starts with {@link #MARKER}, then one Spanish
 * sentence the pyspark kind shows as it is.
 */
public final class Policy {
  private Policy() {}

  /** Stable prefix of every refusal (the pyspark kind looks for it). */
  public static final String MARKER = "CAUCE_DENIED: ";

  /** A refused request or plan. Unchecked so it crosses Scala code unchanged. */
  public static final class Denied extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Denied(String spanish) {
      super(MARKER + spanish, null, false, false);
    }
  }

  // The Spanish sentences, one per kind of refusal.
  public static final String UDF = "El laboratorio no ejecuta funciones de Python, Scala o Java propias (UDF, UDTF, mapInPandas, applyInPandas…) en el servidor de Spark compartido: usa las funciones de pyspark.sql.functions.";
  public static final String FOREACH = "foreach y foreachBatch ejecutarían tu código dentro del servidor de Spark compartido: escribe el resultado con writeStream.format(...) a S3, Kafka o la consola.";
  public static final String LISTENER = "Los listeners de consultas en el servidor no están permitidos en el laboratorio: consulta el progreso con query.lastProgress o query.recentProgress.";
  public static final String ARTIFACTS = "El laboratorio no acepta jars, ficheros ni artefactos subidos al servidor de Spark (addArtifact, ADD JAR, ADD FILE).";
  public static final String REFLECT = "reflect, java_method y try_reflect llamarían a métodos de Java dentro del servidor de Spark compartido: no están permitidos en el laboratorio.";
  public static final String PATH = "En el laboratorio Spark solo lee y escribe en el almacén S3 (rutas s3a://, por ejemplo s3a://test-bucket/alumnos/…): «%s» no está permitido.";
  public static final String FORMAT = "El formato «%s» no está permitido en el laboratorio: usa kafka, parquet, json, csv, text o rate (y console, memory o noop como destino).";
  public static final String OPTION = "La opción «%s» no está permitida con el formato %s en el laboratorio.";
  public static final String KAFKA_SERVERS = "kafka.bootstrap.servers debe ser el Kafka del laboratorio (%s): «%s» no está permitido.";
  public static final String KAFKA_AUTH = "En el laboratorio Kafka se usa con SASL_PLAINTEXT y SCRAM (ScramLoginModule con tu usuario y contraseña): «%s» no está permitido.";
  public static final String TABLE = "El laboratorio no guarda tablas en el catálogo del servidor de Spark (saveAsTable, CREATE TABLE, toTable, insertInto…): escribe en s3a:// con save(ruta) o start(ruta).";
  public static final String GLOBAL_VIEW = "Las vistas globales se verían desde las sesiones de otros alumnos: usa createOrReplaceTempView.";
  public static final String CONFIG = "La configuración «%s» no se puede cambiar en el laboratorio.";
  public static final String COMMAND = "Esta operación (%s) no está permitida en el servidor de Spark compartido del laboratorio.";
  public static final String LIMIT = "La opción «%s» admite como mucho %d en el laboratorio: el servidor de Spark lo comparte toda la clase.";
  public static final String STREAMS = "Ya tienes %d consultas en streaming en marcha en esta sesión, el máximo en el laboratorio: detén alguna con query.stop().";
  public static final String COMPRESSED = "El plan llegó comprimido y el laboratorio no puede revisarlo: simplifica la consulta.";

  /** Sources and sinks: what each format may be used for. */
  public static final Set<String> FILE_FORMATS = Set.of("parquet", "json", "csv", "text");
  public static final Set<String> READ_FORMATS = Set.of("parquet", "json", "csv", "text", "kafka", "rate", "rate-micro-batch");
  public static final Set<String> WRITE_FORMATS = Set.of("parquet", "json", "csv", "text", "kafka", "noop");
  public static final Set<String> STREAM_SINKS = Set.of("parquet", "json", "csv", "text", "kafka", "console", "memory", "noop");

  /**
   * Options of the file formats (lower case). An allow-list because file sources copy every
   * other option into the Hadoop configuration: `fs.s3a.impl`, `fs.s3a.endpoint` or a Parquet
   * class name as an option would read local files or call other hosts.
   */
  private static final Set<String> FILE_OPTIONS = Set.of(
      "path", "basepath", "pathglobfilter", "recursivefilelookup", "modifiedbefore", "modifiedafter",
      "ignorecorruptfiles", "ignoremissingfiles", "mergeschema", "compression", "codec",
      "datetimerebasemode", "int96rebasemode", "sep", "delimiter", "encoding", "charset", "quote",
      "escape", "comment", "header", "inferschema", "ignoreleadingwhitespace", "ignoretrailingwhitespace",
      "nullvalue", "nanvalue", "positiveinf", "negativeinf", "dateformat", "timestampformat",
      "timestampntzformat", "maxcolumns", "maxcharspercolumn", "mode", "columnnameofcorruptrecord",
      "multiline", "chartoescapequoteescaping", "samplingratio", "emptyvalue", "locale", "linesep",
      "unescapedquotehandling", "enforceschema", "escapequotes", "quoteall", "preferdate",
      "enabledatetimeparsingfallback", "primitivesasstring", "prefersdecimal", "allowcomments",
      "allowunquotedfieldnames", "allowsinglequotes", "allownumericleadingzeros",
      "allowbackslashescapingallcharacter", "allowunquotedcontrolchars", "dropfieldifallnull",
      "timezone", "ignorenullfields", "wholetext", "maxfilespertrigger", "maxbytespertrigger",
      "latestfirst", "filenameonly", "maxfileage", "checkpointlocation", "partitionoverwritemode",
      "maxrecordsperfile");

  /** The connector's own options, then the few Kafka client settings a lesson may tune. */
  private static final Set<String> KAFKA_OPTIONS = Set.of(
      "subscribe", "subscribepattern", "assign", "startingoffsets", "endingoffsets",
      "startingoffsetsbytimestamp", "endingoffsetsbytimestamp", "startingtimestamp", "endingtimestamp",
      "startingoffsetsbytimestampstrategy", "failondataloss", "kafkaconsumer.polltimeoutms",
      "fetchoffset.numretries", "fetchoffset.retryintervalms", "maxoffsetspertrigger",
      "minoffsetspertrigger", "maxtriggerdelay", "groupidprefix", "includeheaders", "minpartitions",
      "topic", "checkpointlocation",
      "kafka.bootstrap.servers", "kafka.security.protocol", "kafka.sasl.mechanism", "kafka.sasl.jaas.config",
      "kafka.group.id", "kafka.client.id", "kafka.request.timeout.ms", "kafka.default.api.timeout.ms",
      "kafka.session.timeout.ms", "kafka.heartbeat.interval.ms", "kafka.max.poll.records",
      "kafka.max.partition.fetch.bytes", "kafka.fetch.max.bytes", "kafka.fetch.min.bytes",
      "kafka.fetch.max.wait.ms", "kafka.isolation.level", "kafka.acks", "kafka.linger.ms", "kafka.batch.size",
      "kafka.compression.type", "kafka.enable.idempotence", "kafka.max.block.ms", "kafka.delivery.timeout.ms",
      "kafka.retries", "kafka.metadata.max.age.ms");

  private static final Set<String> RATE_OPTIONS = Set.of(
      "rowspersecond", "rampuptime", "numpartitions", "rowsperbatch", "starttimestamp", "advancemillisperbatch");

  private static final Set<String> SINK_OPTIONS = Set.of("checkpointlocation", "numrows", "truncate");

  /** The SCRAM login module with a username and password, nothing else (no other login module, no tokens). */
  private static final Pattern SCRAM_JAAS = Pattern.compile(
      "\\s*org\\.apache\\.kafka\\.common\\.security\\.scram\\.ScramLoginModule\\s+required"
          + "(\\s+(username|password)\\s*=\\s*\"[^\"\\\\]*\")*\\s*;?\\s*");

  /**
   * Session settings a student may change (lower case). The s3a credentials are how a session
   * brings its own store identity: the server has none of its own, and its S3A file systems are
   * not cached, so one session's keys never serve another.
   */
  private static final Set<String> SETTABLE = Set.of(
      "spark.sql.shuffle.partitions", "spark.sql.session.timezone", "spark.sql.ansi.enabled",
      "spark.sql.adaptive.enabled", "spark.sql.casesensitive", "spark.sql.repl.eagereval.enabled",
      "spark.sql.repl.eagereval.maxnumrows", "spark.sql.repl.eagereval.truncate",
      "spark.sql.legacy.timeparserpolicy", "spark.sql.parquet.compression.codec",
      "spark.sql.files.maxrecordsperfile", "spark.sql.streaming.numrecentprogressupdates",
      "spark.sql.pyspark.jvmstacktrace.enabled",
      "fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.session.token",
      "spark.hadoop.fs.s3a.access.key", "spark.hadoop.fs.s3a.secret.key", "spark.hadoop.fs.s3a.session.token");

  /** The lab broker's SASL listener, as the server reaches it (`-Dcauce.kafka.bootstrap`). */
  public static String kafkaBootstrap() {
    return System.getProperty("cauce.kafka.bootstrap", "").trim();
  }

  public static boolean settable(String key) {
    return SETTABLE.contains(key.trim().toLowerCase(Locale.ROOT));
  }

  public static void checkSetting(String key) {
    if (!settable(key)) throw new Denied(String.format(CONFIG, key));
  }

  /** s3a://bucket[/...] only: every other scheme (file:, hdfs:, a bare path…) is the server's own disk or network. */
  public static void checkPath(String path) {
    if (path == null || !path.startsWith("s3a://") || path.length() <= "s3a://".length() || path.charAt(6) == '/') {
      throw new Denied(String.format(PATH, path));
    }
  }

  /** The options of one source or sink, by format (already lower case). */
  public static void checkOptions(String format, Map<String, String> options) {
    for (Map.Entry<String, String> entry : options.entrySet()) {
      String key = entry.getKey().trim().toLowerCase(Locale.ROOT);
      String value = entry.getValue();
      Set<String> allowed = FILE_FORMATS.contains(format) ? FILE_OPTIONS
          : "kafka".equals(format) ? KAFKA_OPTIONS
          : format.startsWith("rate") ? RATE_OPTIONS
          : SINK_OPTIONS;
      if (!allowed.contains(key)) {
        throw new Denied(String.format(OPTION, entry.getKey(), format));
      }
      switch (key) {
        case "path", "basepath", "checkpointlocation" -> checkPath(value);
        case "kafka.bootstrap.servers" -> checkKafkaServers(value);
        case "kafka.security.protocol" -> {
          if (!"SASL_PLAINTEXT".equalsIgnoreCase(value.trim())) throw new Denied(String.format(KAFKA_AUTH, value));
        }
        case "kafka.sasl.mechanism" -> {
          String mechanism = value.trim().toUpperCase(Locale.ROOT);
          if (!mechanism.equals("SCRAM-SHA-512") && !mechanism.equals("SCRAM-SHA-256")) throw new Denied(String.format(KAFKA_AUTH, value));
        }
        case "kafka.sasl.jaas.config" -> {
          if (!SCRAM_JAAS.matcher(value).matches()) throw new Denied(String.format(KAFKA_AUTH, "kafka.sasl.jaas.config"));
        }
        // Two cores for the whole class: a rate source is for a lesson's trickle, not a load test.
        case "rowspersecond", "rowsperbatch" -> checkAtMost(entry.getKey(), value, MAX_RATE_ROWS);
        case "numpartitions" -> checkAtMost(entry.getKey(), value, MAX_PARTITIONS);
        default -> { }
      }
    }
  }

  /** Rows per second (or per batch) of a rate source, and its partitions. */
  static final long MAX_RATE_ROWS = 10_000;
  static final long MAX_PARTITIONS = 8;

  private static void checkAtMost(String key, String value, long max) {
    long number;
    try {
      number = Long.parseLong(value.trim());
    } catch (NumberFormatException notANumber) {
      return; // the source itself refuses it
    }
    if (number > max) throw new Denied(String.format(LIMIT, key, max));
  }

  /**
   * The same brokers as the lab's listener, in any order; `localhost` counts as 127.0.0.1 (the
   * article writes localhost:9092). Never another listener of the same broker: the controller's
   * takes other credentials and an admin one would skip the students' ACLs.
   */
  static void checkKafkaServers(String value) {
    String lab = kafkaBootstrap();
    if (lab.isEmpty() || !normalizeServers(value).equals(normalizeServers(lab))) {
      throw new Denied(String.format(KAFKA_SERVERS, lab.isEmpty() ? "no configurado" : lab, value));
    }
  }

  private static Set<String> normalizeServers(String list) {
    java.util.TreeSet<String> servers = new java.util.TreeSet<>();
    for (String server : list.split(",")) {
      String trimmed = server.trim().toLowerCase(Locale.ROOT);
      if (trimmed.startsWith("localhost:")) trimmed = "127.0.0.1:" + trimmed.substring("localhost:".length());
      if (!trimmed.isEmpty()) servers.add(trimmed);
    }
    return servers;
  }
}
