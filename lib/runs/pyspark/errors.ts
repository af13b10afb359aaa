import type { SparkError } from './progress';

/** Where an error is marked in the editor, and what the student reads there and in the run's end. */
export interface ExplainedSparkError {
  file?: string;
  line?: number;
  /** Spanish, with Spark's own class in front so it can be looked up. */
  message: string;
  /** The lab's fault (the Spark server unreachable), not a line of theirs to fix. */
  labFault?: boolean;
}

/** The Spark server's refusals (lab/spark/guard) start their message with this, then a Spanish sentence. */
export const DENIED_MARKER = 'CAUCE_DENIED:';

const UNAVAILABLE = /\bUNAVAILABLE\b|failed to connect to all addresses|Connection refused|Socket closed|DNS resolution failed|CONNECTION_CLOSED|Channel closed/i;

/** `` `valr` `` or `'valr'` as Spark quotes a name in its parameters, bare. */
function bare(name: string): string {
  return name.replace(/[`'"]/g, '');
}

/** Spark's suggestion list (`` [`value`, `key`] ``) as readable names. */
function suggestions(proposal: string | undefined): string[] {
  if (!proposal) return [];
  return [...proposal.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).slice(0, 5);
}

/**
 * The line of the student's files where `name` appears, as a quoted name or a word in a SQL
 * expression: with Spark Connect a column is resolved on the server when the query starts, so
 * the traceback points at `.start()`, while the student's mistake is where they typed it.
 */
export function lineOfName(files: readonly { name: string; content: string }[], name: string): { file: string; line: number } | undefined {
  if (!name) return undefined;
  const word = new RegExp(`(^|[^A-Za-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_]|$)`);
  for (const file of files) {
    const lines = file.content.split('\n');
    for (const [index, text] of lines.entries()) {
      const code = text.replace(/#.*$/, '');
      if (word.test(code) && /["']/.test(code)) return { file: file.name, line: index + 1 };
    }
  }
  return undefined;
}

/** The first line of Spark's message, without its JVM trace or plan. */
function headline(message: string): string {
  const first = message.split('\n')[0]!.trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

/**
 * An uncaught exception of a pyspark run, explained in Spanish for the errors a student meets
 * with the lesson's job: a column that does not exist, a SQL expression that does not parse,
 * the lab's refusals (CAUCE_DENIED), Kafka's ACLs and S3's prefix, and the Spark server not
 * answering. `files` locates a bad name at the line where the student wrote it.
 */
export function explainSparkError(error: SparkError, files: readonly { name: string; content: string }[], prefixes: { kafka?: string; s3?: string } = {}): ExplainedSparkError {
  const at = error.file && error.line ? { file: error.file, line: error.line } : {};
  const condition = error.errorClass ?? '';
  const params = error.parameters ?? {};
  const denied = error.message.indexOf(DENIED_MARKER);
  if (denied >= 0) {
    // Inside gRPC's own text (`details = "CAUCE_DENIED: …"`) the sentence ends at the closing quote.
    const sentence = error.message
      .slice(denied + DENIED_MARKER.length)
      .split('\n')[0]!
      .replace(/"\s*$/, '')
      .trim();
    return { ...at, message: `El laboratorio no permite esto: ${sentence}` };
  }
  if (condition.startsWith('UNRESOLVED_COLUMN') || condition.startsWith('UNRESOLVED_FIELD')) {
    const name = bare(params.objectName ?? params.fieldName ?? '');
    const proposal = suggestions(params.proposal);
    const where = lineOfName(files, name) ?? at;
    const hint = proposal.length > 0 ? ` ¿Querías decir ${proposal.map((p) => `«${p}»`).join(', ')}? Son las columnas que Spark sugiere.` : '';
    return {
      ...where,
      message: `AnalysisException [${condition}]: la columna «${name}» no existe en el DataFrame, así que Spark no pudo analizar la consulta al arrancarla.${hint}`,
    };
  }
  if (condition.startsWith('PARSE_SYNTAX_ERROR') || error.exception === 'ParseException') {
    const near = params.error ? ` cerca de ${params.error}` : '';
    return {
      ...at,
      message: `ParseException [${condition || 'PARSE_SYNTAX_ERROR'}]: una expresión SQL de tu código (por ejemplo en selectExpr) no es válida${near}. Revisa sus comillas, paréntesis y comas.`,
    };
  }
  if (/TopicAuthorization|GroupAuthorization|not authorized to access topics|SaslAuthentication/i.test(error.message)) {
    const scope = prefixes.kafka ? ` solo puedes leer temas que empiecen por «${prefixes.kafka}» (os.environ["KAFKA_TOPIC_PREFIX"])` : ' revisa el tema y las credenciales';
    return { ...at, message: `Kafka rechazó la lectura del trabajo: en el laboratorio${scope}, con tus credenciales de KAFKA_USERNAME y KAFKA_PASSWORD.` };
  }
  if (/AccessDenied|403 Forbidden|Status Code: 403/i.test(error.message)) {
    const scope = prefixes.s3 ? ` solo puedes escribir bajo ${prefixes.s3} (os.environ["S3_PREFIX"])` : ' revisa la ruta y las credenciales';
    return { ...at, message: `El almacén S3 rechazó el acceso: en el laboratorio${scope}, para los datos y para el checkpoint.` };
  }
  if (error.exception.includes('SparkConnectGrpcException') || error.exception === 'SparkConnectException' || condition === '') {
    if (UNAVAILABLE.test(error.message)) {
      return {
        message:
          'El servidor de Spark del laboratorio no respondió (Spark Connect no está disponible ahora mismo), así que tu trabajo no llegó a ejecutarse. No es un fallo de tu código: espera unos segundos y vuelve a pulsar «Ejecutar».',
        labFault: true,
      };
    }
  }
  if (error.exception === 'StreamingQueryException') {
    return { ...at, message: `StreamingQueryException: la consulta de streaming falló en el servidor de Spark: ${headline(error.message)}` };
  }
  const label = condition ? `${error.exception} [${condition}]` : error.exception;
  return { ...at, message: `${label}: ${headline(error.message)}` };
}
