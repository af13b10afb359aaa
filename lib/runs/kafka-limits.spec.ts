/**
 * The texts come from the real producers of each message: kafkajs's own error classes (as
 * Node prints an uncaught one) and the broker policy's refusals as the broker logged them
 * (lab/kafka/limits.spec.ts checks the same recognition against a live broker).
 */
import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KAFKA_TOPIC_LIMITS } from '@/lib/limits';
import { KafkaLimitWatcher, kafkaLimitHit } from './kafka-limits';

const require = createRequire(import.meta.url);
const { KafkaJSAggregateError, KafkaJSCreateTopicError } = require('kafkajs/src/errors') as {
  KafkaJSAggregateError: new (message: string, errors: Error[]) => Error;
  KafkaJSCreateTopicError: new (error: Error, topic: string) => Error;
};
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };

/** What Node writes to stderr for an uncaught error. */
const uncaught = (error: Error) => `Uncaught ${inspect(error)}`;

describe('límites de Kafka en la salida de una ejecución', () => {
  it('kafkajs solo dice POLICY_VIOLATION: el mensaje nombra todos los límites de temas', () => {
    const error = new KafkaJSAggregateError('Topic creation errors', [new KafkaJSCreateTopicError(createErrorFromCode(44), 'ana.grande')]);
    const hit = kafkaLimitHit(uncaught(error));
    expect(hit?.limit).toBe('topic-policy');
    expect(hit?.message).toContain(`como máximo ${KAFKA_TOPIC_LIMITS.partitionsPerTopic} particiones por tema`);
    expect(hit?.message).toContain(`${KAFKA_TOPIC_LIMITS.topicsPerStudent} temas`);
    expect(hit?.message).toContain('7 días y 2 MiB por partición');
    // alterConfigs: a plain protocol error.
    expect(kafkaLimitHit(`KafkaJSProtocolError: ${createErrorFromCode(44).message}`)?.limit).toBe('topic-policy');
  });

  it('con el texto del broker nombra el límite exacto y lo que se pidió', () => {
    const broker = (text: string) => `org.apache.kafka.common.errors.PolicyViolationException: Cauce: ${text}`;
    expect(kafkaLimitHit(broker('un tema admite como máximo 12 particiones (pediste 1000).'))).toEqual({
      limit: 'partitions-per-topic',
      message: 'Superaste el límite de particiones por tema del laboratorio (12): pediste 1000.',
    });
    expect(kafkaLimitHit(broker('cada alumno puede tener como máximo 20 temas (ya tienes 20). Borra alguno o reinicia tu espacio.'))?.limit).toBe('topics-per-student');
    expect(kafkaLimitHit(broker('tus temas pueden sumar como máximo 36 particiones (ya tienes 36 y este pide 1).'))?.limit).toBe('partitions-per-student');
    expect(kafkaLimitHit(broker('la retención por tiempo de un tema es como máximo de 7 días (retention.ms ≤ 604800000; pediste -1).'))?.limit).toBe('retention');
    expect(kafkaLimitHit(broker('la retención por tamaño es como máximo de 2 MiB por partición (retention.bytes ≤ 2097152; pediste -1).'))?.limit).toBe('retention');
    expect(kafkaLimitHit(broker('un segmento ocupa como máximo 1 MiB (segment.bytes ≤ 1048576; pediste 1073741824).'))?.limit).toBe('segment');
    expect(kafkaLimitHit(broker('un segmento dura como mínimo 10 minutos (segment.ms ≥ 600000; pediste 1).'))?.limit).toBe('segment');
    expect(kafkaLimitHit(broker('cleanup.policy debe incluir «delete» para que se aplique la retención (pediste «compact»); usa «compact,delete».'))?.limit).toBe('cleanup-policy');
    expect(kafkaLimitHit(broker('el laboratorio no permite cambiar «flush.messages» en los temas.'))).toEqual({
      limit: 'topic-config',
      message: 'El laboratorio no permite cambiar «flush.messages» en los temas.',
    });
  });

  it('añadir particiones a un tema propio no es un error de prefijo', () => {
    const stack = [
      'KafkaJSProtocolError: Not authorized to access topics: [Topic authorization failed]',
      '    at createErrorFromCode (node_modules/kafkajs/src/protocol/error.js:581:10)',
      '    at Object.parse (node_modules/kafkajs/src/protocol/requests/createPartitions/v0/response.js:33:11)',
    ];
    expect(kafkaLimitHit(stack.join('\n'))?.limit).toBe('add-partitions');
    // Line by line (how runs stream stderr) the watcher joins them.
    const watcher = new KafkaLimitWatcher();
    const hits = stack.map((line) => watcher.observe(line));
    expect(hits.map((hit) => hit?.limit)).toEqual([undefined, undefined, 'add-partitions']);
    // The same refusal on another student's topic, without createPartitions, is not a limit.
    expect(kafkaLimitHit(stack[0]!)).toBeUndefined();
  });

  it('el freno por cuota y la cuota de creación de temas se reconocen', () => {
    expect(kafkaLimitHit('{"level":"DEBUG","logger":"kafkajs","message":"Client side throttling in effect for 2841ms"}')?.message).toBe(
      'Kafka frenó tu programa: superaste el caudal del laboratorio por alumno (1 MiB/s al producir, 2 MiB/s al consumir).',
    );
    expect(kafkaLimitHit('ThrottlingQuotaExceededException: The throttling quota has been exceeded.')?.limit).toBe('topic-churn');
  });

  it('cada límite se avisa una vez por ejecución, y la salida normal no avisa de nada', () => {
    const watcher = new KafkaLimitWatcher();
    expect(watcher.observe('Enviado: {"topic":"ana.pedidos","partition":0}')).toBeUndefined();
    expect(watcher.observe("type: 'POLICY_VIOLATION',")?.limit).toBe('topic-policy');
    expect(watcher.observe("type: 'POLICY_VIOLATION',")).toBeUndefined();
    expect(watcher.observe('Client side throttling in effect for 10ms')?.limit).toBe('throughput');
    expect(kafkaLimitHit('KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092')).toBeUndefined();
  });
});
