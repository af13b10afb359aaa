/** Helpers shared by the lab's specs (not a spec itself). */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBroker } from './broker';
import type { QuorumVoter } from './config';
import { ensureJars } from './download';
import type { KafkaSasl } from './credentials';
import { KAFKA_SOURCE_DIR } from './paths';
import { isPortFree, jdkTool } from './process';
import { createSecrets, type KafkaSecrets } from './secrets';

/**
 * A port p with p and p + 1 free (client and controller listeners). Drawn from 20000–31999,
 * below Linux's ephemeral range (32768+): there an outgoing connection can take a port
 * between this check and the broker's bind (seen with a 3-node cluster's 30 s prepare).
 */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 6_000) * 2;
    if ((await isPortFree(port)) && (await isPortFree(port + 1))) return port;
  }
  throw new Error('no free port pair found');
}

/** `count` port pairs (p, p + 1), all distinct. */
async function freePortPairs(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePortPair();
    if (!ports.some((p) => Math.abs(p - port) < 2)) ports.push(port);
  }
  return ports;
}

/** A fresh state dir per spec, so tests never share a broker's data. */
export function tempStateDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `cauce-${label}-`));
}

/** A quiet kafkajs client that fails fast while the broker is away; `sasl` for the lab's SASL listener. */
export function testClient(brokers: string, sasl?: KafkaSasl): Kafka {
  return new Kafka({
    ...(sasl ? { sasl: { ...sasl } } : {}),
    clientId: 'cauce-lab-spec',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Reads a topic from the beginning with a new group until `expected` values are all seen. */
export async function consumeValues(kafka: Kafka, topic: string, expected: Set<string>, timeoutMs: number): Promise<Set<string>> {
  const seen = new Set<string>();
  const consumer = kafka.consumer({ groupId: `spec-${topic}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value?.toString() ?? '');
          if ([...expected].every((value) => seen.has(value))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * Runs jobs through a student's Java admin client (StudentProbe.java), which keeps the broker's
 * error messages that kafkajs drops. Each answer is `['ok']` or `['error', class, message]`.
 */
export function studentProbe(libsDir: string, brokers: string, sasl: KafkaSasl, jobs: string[][]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const java = jdkTool('java');
    const child = execFile(
      java,
      ['-Xmx96m', '-XX:TieredStopAtLevel=1', '-cp', `${libsDir}/*`, join(KAFKA_SOURCE_DIR, 'StudentProbe.java')],
      {
        // The probe's own environment (a child's, not configuration).
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KAFKA_BROKERS: brokers, KAFKA_USERNAME: sasl.username, KAFKA_PASSWORD: sasl.password } as Record<
          string,
          string
        > as NodeJS.ProcessEnv,
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`StudentProbe failed: ${error.message}\n${stderr}`));
        resolve(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((line) => line.split('\t')),
        );
      },
    );
    child.stdin?.end(jobs.map((job) => `${job.join('\t')}\n`).join(''));
  });
}

/**
 * A cluster id as `StorageTool random-uuid` prints it (Kafka's Uuid: 16 random bytes in
 * unpadded base64url, never starting with '-'), without a JVM start of its own.
 */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A running multi-node cluster for specs (startTestCluster). */
export interface TestCluster {
  /** Each node's client address, `127.0.0.1:<port>`, in node id order. */
  readonly brokers: readonly string[];
  /** Each node's controller address (client port + 1): never for clients. */
  readonly controllers: readonly string[];
  /** The cluster's SCRAM super user, shared by every node. */
  readonly adminSasl: KafkaSasl;
  readonly nodes: readonly KafkaBroker[];
  /** Stops every node and deletes their state dirs. */
  stop(): Promise<void>;
}

/**
 * Starts a KRaft cluster of `size` nodes on loopback, each broker and controller of a static
 * quorum, with the lab's own config (SASL, ACLs, topic policy) and replication factor 3 for
 * internal topics. Resolves once every node answers and the cluster reports all of them.
 * Each JVM gets the lab's flags with a smaller heap. Call stop() in afterAll.
 */
export async function startTestCluster(options: { size?: number; heapMb?: number; onLog?: (line: string) => void } = {}): Promise<TestCluster> {
  const size = options.size ?? 3;
  const ports = await freePortPairs(size);
  const voters: QuorumVoter[] = ports.map((port, index) => ({ id: index + 1, port }));
  const stateDirs = voters.map((v) => tempStateDir(`cluster-${v.id}`));
  const node = (index: number, shared: { clusterId: string; secrets: KafkaSecrets }) =>
    new KafkaBroker({
      port: ports[index]!,
      stateDir: stateDirs[index]!,
      heapMb: options.heapMb ?? 256,
      stopGraceMs: 10_000,
      ...(options.onLog ? { onLog: (line: string) => options.onLog!(`[nodo ${index + 1}] ${line}`) } : {}),
      cluster: { nodeId: index + 1, voters, ...shared },
    });
  const nodes: KafkaBroker[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Every node shares one cluster id and one set of secrets (they log in to each other).
    const shared = { clusterId: randomClusterId(), secrets: createSecrets(stateDirs[0]!) };
    nodes.push(...voters.map((_, index) => node(index, shared)));
    // Jars once (a missing set is downloaded into one shared folder), then the nodes in parallel.
    await ensureJars({ pom: nodes[0]!.paths.pom, libsDir: nodes[0]!.paths.libsDir });
    await Promise.all(nodes.map((n) => n.prepare()));
    // A static quorum elects a leader only once a majority runs: start all, then wait.
    await Promise.all(nodes.map((n) => n.start()));
    await Promise.all(nodes.map((n) => n.waitHealthy(120_000)));
    const admin = testClient(nodes[0]!.brokers, nodes[0]!.adminSasl).admin();
    await admin.connect();
    try {
      const deadline = Date.now() + 60_000;
      while ((await admin.describeCluster()).brokers.length < size) {
        if (Date.now() > deadline) throw new Error(`the cluster did not report ${size} brokers in 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    brokers: nodes.map((n) => n.brokers),
    controllers: ports.map((port) => `127.0.0.1:${port + 1}`),
    adminSasl: nodes[0]!.adminSasl,
    nodes,
    stop,
  };
}
