import { KafkaBroker, type KafkaBrokerOptions } from './kafka/broker';
import type { ProgressListener } from './kafka/download';
import { checkKafka } from './kafka/health';
import { Supervisor } from './supervisor';

export { checkKafka, type KafkaHealth } from './kafka/health';
export { KAFKA_VERSION } from './kafka/version';
export type { Progress, ProgressListener } from './kafka/download';

export interface StartLabOptions {
  /** Download / format progress ("Descargando Kafka 4.4.0… 63%"). @default ignore */
  readonly onProgress?: ProgressListener;
  /** Spanish status lines (restarts, external mode). @default console.log */
  readonly log?: (message: string) => void;
  /** How long the first start may take to become healthy. @default 120000 */
  readonly healthTimeoutMs?: number;
  /** Passed to the embedded broker (port, stateDir, heapMb, onLog…). */
  readonly kafka?: KafkaBrokerOptions;
}

export interface RunningLab {
  /** Comma-separated `host:port` list for KAFKA_BROKERS. */
  readonly brokers: string;
  /** 'external' when KAFKA_BROKERS pointed at an existing cluster. */
  readonly mode: 'embedded' | 'external';
  /** Stops what startLab started (nothing in external mode). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Brings the Kafka lab up for the site: with KAFKA_BROKERS set it starts nothing and
 * only checks that cluster ("modo externo"); otherwise it prepares the embedded broker
 * (download, config, format), starts it under a Supervisor and waits until it answers.
 * The caller must await stop() on shutdown (SIGINT/SIGTERM), or the JVM outlives it
 * until the next start cleans it up.
 */
export async function startLab(options: StartLabOptions = {}): Promise<RunningLab> {
  const log = options.log ?? ((message: string) => console.log(message));
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    const brokers = external.split(',').map((broker) => broker.trim()).filter(Boolean);
    const health = await checkKafka(brokers, 5_000);
    log(
      health.ok
        ? `Modo externo: Kafka disponible en ${brokers.join(', ')} (${health.brokers} broker(s)).`
        : `Modo externo: ${health.error ?? 'Kafka no disponible'}. El sitio arranca igualmente.`,
    );
    return { brokers: brokers.join(','), mode: 'external', stop: async () => undefined };
  }

  const broker = new KafkaBroker(options.kafka);
  const { formatted } = await broker.prepare(options.onProgress);
  if (formatted) log(`Almacenamiento de Kafka creado en ${broker.paths.dataDir}.`);
  const supervisor = new Supervisor(broker, { log, healthTimeoutMs: options.healthTimeoutMs ?? 120_000 });
  await supervisor.start(); // on failure it has already stopped the broker
  let stopping: Promise<void> | undefined;
  return {
    brokers: broker.brokers,
    mode: 'embedded',
    stop: () => (stopping ??= supervisor.stop()),
  };
}
