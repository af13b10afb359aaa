/**
 * How the lab enforces each student's share of Kafka. The numbers and their reasons live in
 * lib/limits.ts (KAFKA_QUOTAS, KAFKA_TOPIC_LIMITS, with the worst case per student); this
 * module hands them to the broker: config.ts passes the topic limits to the broker's policy
 * (LabTopicPolicy.java, as `cauce.limits.*` properties), tenants.ts passes the quotas to
 * TenantAdmin.java (as CAUCE_KAFKA_QUOTAS), lib/runs/kafka-limits.ts names them to students.
 *
 * Where each holds:
 * - Quotas (bytes per second, partition mutations per second) are client quotas on the
 *   student's user principal, set by TenantAdmin when it provisions them: they hold on the
 *   embedded lab and on an external cluster alike, whenever the site has admin credentials.
 * - Adding partitions to an existing topic is refused by a DENY ALTER ACL on the student's
 *   prefix (also TenantAdmin, so also external): no broker policy sees CreatePartitions.
 * - Partitions, topic count, retention and segment settings are vetted by LabTopicPolicy,
 *   a class on the embedded broker's classpath. An external cluster enforces them only if
 *   its operator installs that class (see LabTopicPolicy.java); otherwise only the quotas
 *   and the ACLs above apply there.
 */
import { KAFKA_QUOTAS, KAFKA_TOPIC_LIMITS } from '../../lib/limits';

const KiB = 1024;
const MiB = 1024 * KiB;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Topic configs a student may set freely: none of them changes how much disk or how many
 * files a topic takes. Any config not here and not capped by KAFKA_TOPIC_LIMITS (flush.*, preallocate,
 * index sizes, remote storage, internal.* testing knobs...) is refused: an allowlist, so a
 * config added by a future Kafka is refused until someone decides it is harmless.
 * cleanup.policy is allowed only when it includes `delete` (compact alone ignores retention).
 */
export const FREE_TOPIC_CONFIGS = [
  'compression.type',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.zstd.level',
  'message.timestamp.type',
  'message.timestamp.before.max.ms',
  'message.timestamp.after.max.ms',
  'min.insync.replicas',
  'unclean.leader.election.enable',
  'min.compaction.lag.ms',
  'max.compaction.lag.ms',
  'delete.retention.ms',
  'min.cleanable.dirty.ratio',
] as const;

/**
 * How a topic name shows its owner: the student's slug (credentials.ts: lowercase ASCII,
 * digits, `_`, at most 32) and a dot. The policy sees no principal in Kafka 4.4 (its
 * RequestMetadata has none), so it applies the caps to every topic named like this, whoever
 * creates it; names without a slug and a dot (the site's own, Kafka's internal `__*`) are exempt.
 */
export const STUDENT_TOPIC_PATTERN = '^([a-z0-9_]{1,32})\\.';

/** How often the policy relists topics to count each student's (deletions show up within this). */
export const POLICY_REFRESH_MS = 1_000;

/** The quotas as TenantAdmin.java reads them (CAUCE_KAFKA_QUOTAS), in Kafka's own key names. */
export function quotaSpec(): string {
  return [
    `producer_byte_rate=${KAFKA_QUOTAS.producerBytesPerSecond}`,
    `consumer_byte_rate=${KAFKA_QUOTAS.consumerBytesPerSecond}`,
    `controller_mutation_rate=${KAFKA_QUOTAS.controllerMutationsPerSecond}`,
  ].join(',');
}

/**
 * The broker properties for the topic policy and the defaults that make an unset retention
 * mean the cap. `adminBootstrap` is the broker's own client listener: the policy counts
 * topics through it with the admin login already in server.properties.
 */
export function policyProperties(adminBootstrap: string): Array<[string, string | number]> {
  const t = KAFKA_TOPIC_LIMITS;
  return [
    ['create.topic.policy.class.name', 'cauce.kafka.LabTopicPolicy'],
    ['alter.config.policy.class.name', 'cauce.kafka.LabTopicPolicy$Configs'],
    ['cauce.limits.student.topic.pattern', STUDENT_TOPIC_PATTERN],
    ['cauce.limits.partitions.per.topic', t.partitionsPerTopic],
    ['cauce.limits.topics.per.student', t.topicsPerStudent],
    ['cauce.limits.partitions.per.student', t.partitionsPerStudent],
    // Each bound with its Spanish label, so the Java side formats nothing itself.
    ['cauce.limits.max.retention.ms', t.maxRetentionMs],
    ['cauce.limits.max.retention.ms.label', formatDuration(t.maxRetentionMs)],
    ['cauce.limits.max.retention.bytes', t.maxRetentionBytes],
    ['cauce.limits.max.retention.bytes.label', formatBytes(t.maxRetentionBytes)],
    ['cauce.limits.max.segment.bytes', t.maxSegmentBytes],
    ['cauce.limits.max.segment.bytes.label', formatBytes(t.maxSegmentBytes)],
    ['cauce.limits.min.segment.ms', t.minSegmentMs],
    ['cauce.limits.min.segment.ms.label', formatDuration(t.minSegmentMs)],
    ['cauce.limits.max.message.bytes', t.maxMessageBytes],
    ['cauce.limits.max.message.bytes.label', formatBytes(t.maxMessageBytes)],
    ['cauce.limits.free.configs', FREE_TOPIC_CONFIGS.join(',')],
    ['cauce.limits.refresh.ms', POLICY_REFRESH_MS],
    ['cauce.limits.admin.bootstrap.servers', adminBootstrap],
    // An unset retention falls back to these, so the caps are also the defaults.
    ['log.retention.ms', t.maxRetentionMs],
    ['log.retention.bytes', t.maxRetentionBytes],
    ['log.segment.bytes', t.maxSegmentBytes],
    // Retention runs every 5 minutes by default: at the producer quota a student could pile up
    // 300 MiB between checks. Every 30 s bounds that overshoot to about 30 MiB.
    ['log.retention.check.interval.ms', 30_000],
  ];
}

/** "2 MiB", "512 KiB", "100 B": for Spanish messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= MiB) return `${Math.floor(bytes / MiB)} MiB`; // 1 MiB + 12 B of batch header reads as 1 MiB
  if (bytes >= KiB) return `${Math.round(bytes / KiB)} KiB`;
  return `${bytes} B`;
}

/** "7 días", "10 minutos": for Spanish messages. */
export function formatDuration(ms: number): string {
  if (ms % DAY_MS === 0) return ms === DAY_MS ? '1 día' : `${ms / DAY_MS} días`;
  if (ms % (60 * MINUTE_MS) === 0) return ms === 60 * MINUTE_MS ? '1 hora' : `${ms / (60 * MINUTE_MS)} horas`;
  if (ms % MINUTE_MS === 0) return ms === MINUTE_MS ? '1 minuto' : `${ms / MINUTE_MS} minutos`;
  return `${ms} ms`;
}
