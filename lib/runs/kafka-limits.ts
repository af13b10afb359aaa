import { formatBytes, formatDuration } from '@/lab/kafka/limits';
import { KAFKA_QUOTAS, KAFKA_TOPIC_LIMITS } from '@/lib/limits';

/** Which of the lab's Kafka limits (lib/limits.ts, enforced as lab/kafka/limits.ts says) a run ran into. */
export type KafkaLimit =
  | 'partitions-per-topic'
  | 'topics-per-student'
  | 'partitions-per-student'
  | 'retention'
  | 'segment'
  | 'message-size'
  | 'cleanup-policy'
  | 'topic-config'
  /** The broker refused by policy but the client dropped the reason (kafkajs does). */
  | 'topic-policy'
  /** CreatePartitions on the student's own topic (DENY ALTER). */
  | 'add-partitions'
  /** controller_mutation_rate (clients that use CreateTopics v6+ see it as an error). */
  | 'topic-churn'
  /** producer_byte_rate / consumer_byte_rate: Kafka delayed the client. */
  | 'throughput'
  /** The broker's policy had not counted topics yet (seconds after a lab start). */
  | 'lab-starting';

export interface KafkaLimitHit {
  readonly limit: KafkaLimit;
  /** Spanish, for a run notice: names the limit and its number. */
  readonly message: string;
}

const T = KAFKA_TOPIC_LIMITS;
const retention = `${formatDuration(T.maxRetentionMs)} y ${formatBytes(T.maxRetentionBytes)} por partición`;

/**
 * What each limit looks like in a run's output, most precise first. The `Cauce: …` texts are
 * LabTopicPolicy.java's refusals (the broker's error message: Java clients and kafka-python
 * print it; kafkajs 2.2.4 decodes it and drops it, and the sandbox's kafkajs shim puts it back
 * into the error; POLICY_VIOLATION alone is the fallback).
 */
const RULES: ReadonlyArray<{ readonly pattern: RegExp; readonly hit: (match: RegExpExecArray) => KafkaLimitHit }> = [
  {
    pattern: /Cauce: un tema admite como máximo \d+ particiones \(pediste (\d+)\)/,
    hit: (m) => ({
      limit: 'partitions-per-topic',
      message: `Superaste el límite de particiones por tema del laboratorio (${T.partitionsPerTopic}): pediste ${m[1]}.`,
    }),
  },
  {
    pattern: /Cauce: cada alumno puede tener como máximo \d+ temas/,
    hit: () => ({
      limit: 'topics-per-student',
      message: `Superaste el límite de temas por alumno del laboratorio (${T.topicsPerStudent}). Borra los que ya no uses o reinicia tu espacio.`,
    }),
  },
  {
    pattern: /Cauce: tus temas pueden sumar como máximo \d+ particiones/,
    hit: () => ({
      limit: 'partitions-per-student',
      message: `Superaste el límite de particiones entre todos tus temas (${T.partitionsPerStudent}). Borra temas que ya no uses o reinicia tu espacio.`,
    }),
  },
  {
    pattern: /Cauce: la retención por (?:tiempo|tamaño)/,
    hit: () => ({ limit: 'retention', message: `Superaste el límite de retención del laboratorio (${retention}).` }),
  },
  {
    pattern: /Cauce: un segmento (?:ocupa|dura)/,
    hit: () => ({
      limit: 'segment',
      message: `Los segmentos de un tema tienen límites en el laboratorio: como máximo ${formatBytes(T.maxSegmentBytes)} (segment.bytes) y como mínimo ${formatDuration(T.minSegmentMs)} (segment.ms).`,
    }),
  },
  {
    pattern: /Cauce: un lote de mensajes ocupa/,
    hit: () => ({ limit: 'message-size', message: `Superaste el tamaño máximo de lote del laboratorio (${formatBytes(T.maxMessageBytes)}, max.message.bytes).` }),
  },
  {
    pattern: /Cauce: cleanup\.policy debe incluir/,
    hit: () => ({
      limit: 'cleanup-policy',
      message: 'En el laboratorio cleanup.policy debe incluir «delete» para que la retención se aplique: usa «compact,delete».',
    }),
  },
  {
    pattern: /Cauce: el laboratorio no permite cambiar «([^»]+)»/,
    hit: (m) => ({ limit: 'topic-config', message: `El laboratorio no permite cambiar «${m[1]}» en los temas.` }),
  },
  {
    pattern: /Cauce: el laboratorio está arrancando/,
    hit: () => ({ limit: 'lab-starting', message: 'El laboratorio de Kafka acaba de arrancar y aún no ha contado tus temas: vuelve a intentarlo en unos segundos.' }),
  },
  {
    // kafkajs: KafkaJSCreateTopicError / KafkaJSProtocolError with type POLICY_VIOLATION.
    pattern: /POLICY_VIOLATION|Request parameters do not satisfy the configured policy|PolicyViolationException/,
    hit: () => ({
      limit: 'topic-policy',
      message:
        `Kafka rechazó el tema por un límite del laboratorio: como máximo ${T.partitionsPerTopic} particiones por tema, ` +
        `${T.topicsPerStudent} temas y ${T.partitionsPerStudent} particiones en total por alumno, retención de hasta ${retention}, ` +
        `segmentos de hasta ${formatBytes(T.maxSegmentBytes)}, y solo algunas opciones de tema se pueden cambiar.`,
    }),
  },
  {
    // kafkajs's createPartitions frame and the refusal, in one text (a stack printed whole).
    pattern:
      /createPartitions[\s\S]*(?:TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics)|(?:TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics)[\s\S]*createPartitions/,
    hit: () => ({
      limit: 'add-partitions',
      message: `El laboratorio no deja añadir particiones a un tema que ya existe: créalo de nuevo con las que necesites (como máximo ${T.partitionsPerTopic}).`,
    }),
  },
  {
    pattern: /THROTTLING_QUOTA_EXCEEDED|ThrottlingQuotaExceeded/,
    hit: () => ({
      limit: 'topic-churn',
      message: `Creas o borras temas más deprisa de lo que admite el laboratorio (${KAFKA_QUOTAS.controllerMutationsPerSecond} particiones por segundo): espera unos segundos.`,
    }),
  },
  {
    // kafkajs logs this (at debug level) when a response asks it to wait for a quota.
    pattern: /Client side throttling in effect/,
    hit: () => ({
      limit: 'throughput',
      message:
        `Kafka frenó tu programa: superaste el caudal del laboratorio por alumno ` +
        `(${formatBytes(KAFKA_QUOTAS.producerBytesPerSecond)}/s al producir, ${formatBytes(KAFKA_QUOTAS.consumerBytesPerSecond)}/s al consumir).`,
    }),
  },
];

/**
 * The lab limit a run ran into, recognised in its output text (stdout or stderr, one line or
 * many), or undefined. Kafka's words for the lab's limits: the broker policy's `Cauce: …`
 * refusals, kafkajs's POLICY_VIOLATION, the ACL refusal of createPartitions, throttling.
 *
 * Check it before the generic ACL explanation: a createPartitions refusal is an
 * authorization error on the student's own topic, not a wrong prefix. That case needs the
 * error and its stack in the same text; line by line, use KafkaLimitWatcher.
 */
export function kafkaLimitHit(text: string): KafkaLimitHit | undefined {
  for (const rule of RULES) {
    const match = rule.pattern.exec(text);
    if (match) return rule.hit(match);
  }
  return undefined;
}

/**
 * kafkaLimitHit over a stream of output lines: looks at the last few lines together (an
 * error and its stack arrive as separate lines) and reports each limit once per run.
 */
export class KafkaLimitWatcher {
  private readonly recent: string[] = [];
  private readonly reported = new Set<KafkaLimit>();

  /** @returns the limit this text (with the lines just before it) shows, the first time only. */
  observe(text: string): KafkaLimitHit | undefined {
    this.recent.push(text);
    if (this.recent.length > 12) this.recent.shift();
    const hit = kafkaLimitHit(text) ?? kafkaLimitHit(this.recent.join('\n'));
    if (!hit) return undefined;
    this.recent.length = 0; // a line already explained does not mask the next limit
    if (this.reported.has(hit.limit)) return undefined;
    this.reported.add(hit.limit);
    return hit;
  }
}
