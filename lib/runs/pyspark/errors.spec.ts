import { describe, expect, it } from 'vitest';
import { explainSparkError, lineOfName } from './errors';
import type { SparkError } from './progress';

const JOB = [
  'import os',
  'from pyspark.sql import SparkSession',
  'spark = SparkSession.builder.remote(os.environ["SPARK_REMOTE"]).getOrCreate()',
  'df = spark.readStream.format("kafka").load()',
  '# valr es un nombre de columna',
  'mensajes = df.selectExpr(',
  '    "CAST(key AS STRING) AS clave",',
  '    "CAST(valr AS STRING) AS valor",',
  ')',
  'consulta = mensajes.writeStream.format("parquet").start()',
].join('\n');
const FILES = [{ name: 'kafka_a_s3.py', content: JOB }];

/** An error as the wrapper reports it (lib/sandbox/pyspark-shim/cauce_spark.py error_event). */
const error = (fields: Partial<SparkError>): SparkError => ({ spark: 'error', exception: 'AnalysisException', message: '', file: 'kafka_a_s3.py', line: 10, ...fields });

describe('los errores de Spark se explican en español, en la línea del alumno', () => {
  it('una columna que no existe se marca donde se escribió (no en .start()), con las sugerencias de Spark', () => {
    const explained = explainSparkError(
      error({
        errorClass: 'UNRESOLVED_COLUMN.WITH_SUGGESTION',
        sqlState: '42703',
        parameters: { objectName: '`valr`', proposal: '`value`, `key`, `topic`, `offset`, `partition`' },
        message: '[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `valr` cannot be resolved.',
      }),
      FILES,
    );
    expect(explained).toMatchObject({ file: 'kafka_a_s3.py', line: 8 });
    expect(explained.message).toMatch(/^AnalysisException \[UNRESOLVED_COLUMN\.WITH_SUGGESTION\]: la columna «valr» no existe/);
    expect(explained.message).toContain('¿Querías decir «value», «key»');
  });

  it('un nombre que solo aparece en un comentario no cuenta: sin cadena en la línea, se queda la línea del traceback', () => {
    expect(lineOfName([{ name: 'a.py', content: '# valr\nx = 1\n' }], 'valr')).toBeUndefined();
    const explained = explainSparkError(error({ errorClass: 'UNRESOLVED_COLUMN.WITHOUT_SUGGESTION', parameters: { objectName: '`nada`' } }), FILES);
    expect(explained).toMatchObject({ file: 'kafka_a_s3.py', line: 10 });
  });

  it('una expresión SQL mal escrita (ParseException) dice dónde mirar', () => {
    const explained = explainSparkError(error({ exception: 'ParseException', errorClass: 'PARSE_SYNTAX_ERROR', parameters: { error: "'AS'", hint: '' } }), FILES);
    expect(explained.message).toMatch(/^ParseException \[PARSE_SYNTAX_ERROR\]: una expresión SQL .* cerca de 'AS'/);
    expect(explained.line).toBe(10);
  });

  it('una negativa del servidor del laboratorio (CAUCE_DENIED:) llega con su frase en español', () => {
    const explained = explainSparkError(
      error({
        exception: 'SparkConnectGrpcException',
        message: 'CAUCE_DENIED: En el laboratorio Spark solo lee y escribe en el almacén S3 (rutas s3a://): «file:/etc» no está permitido.\nJVM…',
      }),
      FILES,
    );
    expect(explained.message).toBe('El laboratorio no permite esto: En el laboratorio Spark solo lee y escribe en el almacén S3 (rutas s3a://): «file:/etc» no está permitido.');
    expect(explained.line).toBe(10);
    // As the Spark Connect client words a PERMISSION_DENIED from the server's guard.
    const grpc = explainSparkError(
      error({
        exception: 'SparkConnectGrpcException',
        message:
          '<_InactiveRpcError of RPC that terminated with:\n\tstatus = StatusCode.PERMISSION_DENIED\n\tdetails = "CAUCE_DENIED: La configuración «spark.app.name» no se puede cambiar en el laboratorio."\n\tdebug_error_string = "…"\n>',
      }),
      FILES,
    );
    expect(grpc.message).toBe('El laboratorio no permite esto: La configuración «spark.app.name» no se puede cambiar en el laboratorio.');
  });

  it('Kafka y S3 rechazan lo que no es del alumno, y el mensaje nombra su prefijo', () => {
    const kafka = explainSparkError(
      error({ exception: 'StreamingQueryException', message: 'org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [bruno.mensajes]' }),
      FILES,
      {
        kafka: 'ana.',
      },
    );
    expect(kafka.message).toContain('«ana.»');
    const s3 = explainSparkError(
      error({ exception: 'UnknownException', message: 'java.nio.file.AccessDeniedException: s3a://test-bucket/alumnos/bruno/x: 403 Forbidden' }),
      FILES,
      {
        s3: 's3a://test-bucket/alumnos/ana/',
      },
    );
    expect(s3.message).toContain('s3a://test-bucket/alumnos/ana/');
  });

  it('si el servidor de Spark no responde, es el laboratorio y no su código', () => {
    const explained = explainSparkError(
      error({
        exception: 'SparkConnectGrpcException',
        errorClass: null,
        line: 3,
        message: '<_MultiThreadedRendezvous: status = StatusCode.UNAVAILABLE details = "failed to connect to all addresses">',
      }),
      FILES,
    );
    expect(explained).toMatchObject({ labFault: true });
    expect(explained.file).toBeUndefined();
    expect(explained.message).toMatch(/servidor de Spark del laboratorio no respondió/);
  });
});
