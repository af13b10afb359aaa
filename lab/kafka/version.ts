/**
 * The Kafka version the embedded lab runs. Keep it equal to `kafka.version` in
 * lab/kafka/pom.xml (a spec checks it). Kept in its own module, with no imports, so
 * the site's server can show it without pulling in the broker's process code.
 */
export const KAFKA_VERSION = '4.4.0';
