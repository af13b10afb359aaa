import { DEFAULT_KAFKA_PY_LIMITS } from '@/lib/limits';
import { runKafkaPython } from '@/lib/sandbox/kafka-py';
import { CONNECTION_LOST } from './kafka-outage';
import { executeKafkaRun, type KafkaClientKind } from './kafka-run';
import { PythonTracebackTracker } from './python-traceback';
import type { Run } from './run';

/**
 * kafka-python's exceptions a student meets most, in Spanish; the class stays in front, as
 * Python prints it, so it can be looked up. Matched on the traceback's last line.
 */
const KAFKA_PYTHON_ERRORS: [RegExp, string][] = [
  [
    /\bNoBrokersAvailable\b/,
    'NoBrokersAvailable: kafka-python no pudo conectar con ningún broker de bootstrap_servers. En el laboratorio su dirección está en os.environ["KAFKA_BROKERS"], como en el ejemplo.',
  ],
  [
    /\bTopicAuthorizationFailedError\b/,
    'TopicAuthorizationFailedError: Kafka no te deja usar ese tema; en el laboratorio solo puedes usar los que empiezan por tu prefijo (os.environ["KAFKA_TOPIC_PREFIX"]).',
  ],
  [
    /\bGroupAuthorizationFailedError\b/,
    'GroupAuthorizationFailedError: Kafka no te deja usar ese grupo de consumidores; en el laboratorio solo puedes usar los que empiezan por tu prefijo (os.environ["KAFKA_TOPIC_PREFIX"]).',
  ],
  [
    /\bKafkaTimeoutError\b.*\bmetadata\b/,
    'KafkaTimeoutError: Kafka no dio los datos del tema a tiempo, casi siempre porque el tema no existe (aquí los temas no se crean solos). Créalo antes con KafkaAdminClient, como en el ejemplo.',
  ],
  [/\bUnknownTopicOrPartitionError\b/, 'UnknownTopicOrPartitionError: el tema no existe en tu espacio del laboratorio. Créalo antes con KafkaAdminClient, como en el ejemplo.'],
  [/\bTopicAlreadyExistsError\b/, 'TopicAlreadyExistsError: el tema ya existía. Si no es un error para tu programa, captura esa excepción al crearlo, como en el ejemplo.'],
  [
    /\bSaslAuthenticationFailedError\b/,
    'SaslAuthenticationFailedError: Kafka no aceptó el usuario o la contraseña. Quita tus propios ajustes de sasl_*: el laboratorio pone los tuyos.',
  ],
];

/** kafka-py: a Python program with kafka-python, behind the watching shim (lib/sandbox/kafka-python-shim). */
export const KAFKA_PYTHON: KafkaClientKind = {
  kind: 'kafka-py',
  run: ({ wallMs, ...input }, onOutput) => runKafkaPython({ ...input, limits: { wallMs } }, onOutput),
  errors: (names) => new PythonTracebackTracker(names),
  // The shim tells kafka-python's own log lines for these (lib/sandbox/kafka-python-shim/cauce_kafka.py).
  unknownTopic: /UnknownTopicOrPartitionError|UNKNOWN_TOPIC_OR_PARTITION|Failed to update metadata after|not found in cluster metadata/,
  authorization: /AuthorizationFailedError|[A-Z_]*AUTHORIZATION_FAILED|Not authorized to access|is not authorized for this client/i,
  // kafka-python's words, and the socket errors it logs as they are.
  connectionLost: new RegExp(`${CONNECTION_LOST.source}|KafkaConnectionError|NoBrokersAvailable|ConnectionRefusedError|ConnectionResetError|BrokenPipeError`),
  prefixInCode: 'os.environ["KAFKA_TOPIC_PREFIX"]',
  outputBytes: DEFAULT_KAFKA_PY_LIMITS.outputBytes,
  explain: (exception) => KAFKA_PYTHON_ERRORS.find(([pattern]) => pattern.test(exception))?.[1],
};

/** Runs a kafka-py snippet in the sandbox against the lab's brokers, streaming its events. */
export function executeKafkaPySnippet(run: Run): Promise<void> {
  return executeKafkaRun(run, KAFKA_PYTHON);
}
