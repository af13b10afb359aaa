/**
 * Every number that bounds one student's share of Kafka, with the reason for it. The one
 * place they are written: config.ts hands the topic limits to the broker's policy
 * (LabTopicPolicy.java, as `cauce.limits.*` properties), tenants.ts hands the quotas to
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
 *
 * Worst case per student: partitionsPerStudent x (maxRetentionBytes + maxSegmentBytes)
 * = 36 x 3 MiB = 108 MiB of disk in at most about 4 segments per partition (150 segment
 * files), plus what the producer quota adds between two retention checks (30 MiB); for a
 * class of 40, about 5 GB, instead of "whatever the first student asks for".
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Kafka client quotas for each student's user principal (KIP-13, KIP-599). */
export const KAFKA_QUOTAS = {
  /**
   * producer_byte_rate, bytes/s across all the student's producers. A lesson sends a few
   * hundred small messages (kilobytes); 1 MiB/s leaves room for a loop of thousands, while
   * 40 students at full speed stay at 40 MiB/s, which one disk absorbs. Kafka measures over
   * 11 one-second windows, so about 10 s worth (10 MiB) passes before the first wait.
   */
  producerBytesPerSecond: 1 * MiB,
  /**
   * consumer_byte_rate. Twice the producer's: lessons reread topics from the beginning with
   * several consumers, and reads come mostly from the page cache.
   */
  consumerBytesPerSecond: 2 * MiB,
  /**
   * controller_mutation_rate, partitions created or deleted per second. Lessons create one
   * topic of 1-3 partitions per run; the topic caps below bound how many exist, this bounds
   * churn (a create/delete loop writes metadata records and log directories on every turn).
   * The burst Kafka allows is this times its quota window (11 s), so a whole lesson never waits.
   */
  controllerMutationsPerSecond: 10,
} as const;

/** Limits on a student's topics, enforced by the broker's LabTopicPolicy. */
export const KAFKA_TOPIC_LIMITS = {
  /**
   * Partitions one topic may have. Lessons use 1-3; 12 lets a student watch a group of
   * 12 consumers share a topic. Each partition is a directory with open files on the broker.
   */
  partitionsPerTopic: 12,
  /** Topics one student may have at once. Each lesson creates one or two; a reset frees them all. */
  topicsPerStudent: 20,
  /**
   * Partitions across all of a student's topics: what bounds their disk and open files
   * (see the worst case above). Twelve lessons' worth of 3-partition topics, or three of 12.
   */
  partitionsPerStudent: 36,
  /**
   * retention.ms ceiling, also the broker default (log.retention.ms). The 7 days the lab
   * always kept, so a student finds yesterday's messages; disk is bounded by bytes, not time.
   */
  maxRetentionMs: 7 * DAY_MS,
  /**
   * retention.bytes ceiling per partition, also the broker default (log.retention.bytes):
   * about 20,000 lesson-sized messages per partition.
   */
  maxRetentionBytes: 2 * MiB,
  /**
   * segment.bytes ceiling, also the broker default (log.segment.bytes). Retention only deletes
   * closed segments, so a partition holds up to retention.bytes plus one open segment: a
   * 1 GiB segment would make the retention cap meaningless. 1 MiB is also Kafka 4's minimum.
   */
  maxSegmentBytes: 1 * MiB,
  /**
   * segment.ms floor. A segment rolled every few milliseconds is a new set of files per batch:
   * ten minutes keeps the file count bounded by bytes, not by how often a loop produces.
   */
  minSegmentMs: 10 * MINUTE_MS,
  /** max.message.bytes ceiling: Kafka's default batch size (1 MiB + 12 bytes of header). */
  maxMessageBytes: 1 * MiB + 12,
} as const;

/**
 * Topic configs a student may set freely: none of them changes how much disk or how many
 * files a topic takes. Any config not here and not capped above (flush.*, preallocate,
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
