import { DEFAULT_KAFKA_TS_LIMITS } from '@/lib/limits';
import { defaultSandboxHost, prepareSnippet, runTypeScript } from '@/lib/sandbox';
import { CONNECTION_LOST } from './kafka-outage';
import { executeKafkaRun, type KafkaClientKind } from './kafka-run';
import type { Run } from './run';
import { RuntimeErrorTracker } from './runtime-error';

export { studentRunEnv } from './kafka-run';

/** kafka-ts: a TypeScript (or CommonJS) module with kafkajs, in node behind the kafkajs shim. */
export const KAFKAJS: KafkaClientKind = {
  kind: 'kafka-ts',
  run: ({ wallMs, ...input }, onOutput) => runTypeScript({ ...input, limits: { wallMs } }, onOutput),
  errors: (names) => new RuntimeErrorTracker(names),
  // UNKNOWN_TOPIC_OR_PARTITION, as kafkajs words it.
  unknownTopic: /This server does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/,
  authorization: /[A-Z_]*AUTHORIZATION_FAILED|Not authorized to access|authorization failed/i,
  connectionLost: CONNECTION_LOST,
  prefixInCode: 'process.env.KAFKA_TOPIC_PREFIX',
  outputBytes: DEFAULT_KAFKA_TS_LIMITS.outputBytes,
};

/** Runs a kafka-ts snippet in the sandbox against the lab's brokers, streaming its events. */
export function executeKafkaSnippet(run: Run): Promise<void> {
  return executeKafkaRun(run, KAFKAJS);
}

/** Enough TypeScript to load the transpiler and run its usual paths (imports, types, await). */
const WARM_UP_SNIPPET = `import { Kafka } from 'kafkajs'
const kafka: Kafka = new Kafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(',') })
for (const n of [1, 2]) console.log(\`\${n}\`, await Promise.resolve(kafka))
`;

/**
 * Loads and exercises TypeScript's transpiler at the server's start, so a class's first burst
 * does not pay for it on its clicks (it loads on first use: about a second of CPU). The
 * sandbox's runtime is resolved then too: the first start of a new kafkajs or node builds
 * kafkajs's bundle (lib/sandbox/kafkajs-bundle.ts, a few tenths of a second).
 */
export function warmKafkaTsRuns(): void {
  prepareSnippet([{ name: 'calentamiento.ts', content: WARM_UP_SNIPPET }], 'calentamiento.ts');
  defaultSandboxHost()
    .runtime()
    .catch(() => undefined); // not cached: the first run tries again and reports it
}
