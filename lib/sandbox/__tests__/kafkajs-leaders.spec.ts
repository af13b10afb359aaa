/**
 * `admin.createTopics` with waitForLeaders against a cluster whose broker has not applied the new
 * topic yet (lib/sandbox/kafkajs-shim/index.js): the student's program, in a node with the shim
 * as kafkajs (the bundle or the package tree as kafkajs-real), talks to a fake broker here that
 * answers the Kafka protocol as a real one would in that race, UNKNOWN_TOPIC_OR_PARTITION first.
 * The real race, on a 3-broker KRaft cluster, is in lib/runs/kafka-cluster.spec.ts.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkajsBundle } from '../kafkajs-bundle';

const KAFKAJS = path.join(process.cwd(), 'node_modules', 'kafkajs');
const scratch = mkdtempSync(path.join(tmpdir(), 'cauce-kafkajs-leaders-'));
const TOPIC = 'ana.reparto';

// Kafka's error codes, as the broker puts them in its answers.
const NONE = 0;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const TOPIC_AUTHORIZATION_FAILED = 29;
const TOPIC_ALREADY_EXISTS = 36;
const POLICY_VIOLATION = 44;

const API = { Metadata: 3, ApiVersions: 18, CreateTopics: 19 };

/** How the fake broker answers, after it accepts the topic. */
interface Script {
  /** CreateTopics' answer for the topic. @default NONE (created) */
  createError?: { code: number; message: string };
  /** How many metadata answers say UNKNOWN_TOPIC_OR_PARTITION before the topic shows up. */
  unknownFor: number;
  /** The error code the topic's metadata carries once known. @default NONE (every partition led) */
  knownError?: number;
}

class Writer {
  private readonly parts: Buffer[] = [];
  int8(n: number) {
    this.parts.push(Buffer.from([n]));
    return this;
  }
  int16(n: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    this.parts.push(b);
    return this;
  }
  int32(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    this.parts.push(b);
    return this;
  }
  string(s: string | null) {
    if (s === null) return this.int16(-1);
    this.int16(Buffer.byteLength(s));
    this.parts.push(Buffer.from(s));
    return this;
  }
  array<T>(items: readonly T[], each: (w: Writer, item: T) => void) {
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}
  int8() {
    return this.data.readInt8((this.offset += 1) - 1);
  }
  int16() {
    return this.data.readInt16BE((this.offset += 2) - 2);
  }
  int32() {
    return this.data.readInt32BE((this.offset += 4) - 4);
  }
  string() {
    const length = this.int16();
    if (length < 0) return null;
    return this.data.toString('utf8', this.offset, (this.offset += length));
  }
  array<T>(each: () => T): T[] {
    return Array.from({ length: Math.max(this.int32(), 0) }, each);
  }
}

/**
 * One broker (node 1, also the controller) speaking just what kafkajs's admin asks here:
 * ApiVersions v2, Metadata v6 and CreateTopics v3, the versions it uses against the lab's Kafka.
 */
class FakeBroker {
  private readonly server = net.createServer((socket) => this.serve(socket));
  /** Metadata requests naming the topic after it was created. */
  polls = 0;
  private partitions = 0;
  private created = false;

  constructor(private readonly script: Script) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${this.port()}`;
  }

  close() {
    this.server.close();
  }

  private port() {
    return (this.server.address() as net.AddressInfo).port;
  }

  private serve(socket: net.Socket) {
    let pending = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        const request = new Reader(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        const apiKey = request.int16();
        request.int16(); // version: the highest both sides speak, the ones ApiVersions offers
        const correlationId = request.int32();
        request.string(); // client id
        const body = this.answer(apiKey, request);
        socket.write(
          Buffer.concat([
            new Writer()
              .int32(body.length + 4)
              .int32(correlationId)
              .buffer(),
            body,
          ]),
        );
      }
    });
  }

  private answer(apiKey: number, request: Reader): Buffer {
    const w = new Writer();
    if (apiKey === API.ApiVersions) {
      const versions = [
        [API.Metadata, 6],
        [API.ApiVersions, 2],
        [API.CreateTopics, 3],
      ] as const;
      return w
        .int16(NONE)
        .array(versions, (w, [key, max]) => w.int16(key).int16(0).int16(max))
        .int32(0)
        .buffer();
    }
    if (apiKey === API.CreateTopics) {
      const topics = request.array(() => {
        const topic = request.string();
        const partitions = request.int32();
        request.int16(); // replication factor
        request.array(() => [request.int32(), request.array(() => request.int32())]);
        request.array(() => [request.string(), request.string()]);
        return { topic, partitions };
      });
      request.int32(); // timeout
      const validateOnly = request.int8() === 1;
      const refusal = this.script.createError;
      if (!refusal && !validateOnly) {
        this.created = true;
        this.partitions = topics[0]!.partitions;
      }
      return w
        .int32(0)
        .array(topics, (w, { topic }) =>
          w
            .string(topic)
            .int16(refusal?.code ?? NONE)
            .string(refusal?.message ?? null),
        )
        .buffer();
    }
    if (apiKey === API.Metadata) {
      const topics = request.array(() => request.string() ?? '');
      w.int32(0)
        .array([1], (w, node) => w.int32(node).string('127.0.0.1').int32(this.port()).string(null))
        .string('falso')
        .int32(1);
      return w
        .array(topics, (w, topic) => {
          let code = UNKNOWN_TOPIC_OR_PARTITION;
          if (topic === TOPIC && this.created) code = this.polls++ < this.script.unknownFor ? UNKNOWN_TOPIC_OR_PARTITION : (this.script.knownError ?? NONE);
          const partitions = code === UNKNOWN_TOPIC_OR_PARTITION ? [] : Array.from({ length: this.partitions }, (_, i) => i);
          w.int16(code).string(topic).int8(0);
          // Every partition led by node 1, its only replica: replicas [1], isr [1], offline [].
          w.array(partitions, (w, partition) =>
            w
              .int16(NONE)
              .int32(partition)
              .int32(1)
              .array([1], (w, n) => w.int32(n))
              .array([1], (w, n) => w.int32(n))
              .array([], () => undefined),
          );
        })
        .buffer();
    }
    throw new Error(`the fake broker does not speak api ${apiKey}`);
  }
}

/** What the student's program saw: createTopics' answer or error, and how long it took. */
interface Outcome {
  value?: boolean;
  error?: { name: string; type?: string; message: string };
  ms: number;
  stderr: string;
  /** Metadata requests naming the topic after it was created. */
  polls: number;
}

const STUDENT_PROGRAM = `const { Kafka, logLevel } = require(process.env.KAFKAJS_MODULE);
const kafka = new Kafka({ clientId: 'prueba', brokers: [process.env.BROKER], logLevel: logLevel.INFO });
const admin = kafka.admin();
(async () => {
  await admin.connect();
  const started = Date.now();
  const outcome = await admin.createTopics(JSON.parse(process.env.CREATE)).then(
    (value) => ({ value }),
    (e) => ({ error: { name: e.name, type: e.type, message: e.message } }),
  );
  outcome.ms = Date.now() - started;
  await admin.disconnect();
  console.log(JSON.stringify(outcome));
  // A leader wait that timed out still sends one more request after its timeout (kafkajs's
  // waitFor), which opens the connection again: the program would stay alive on it.
  process.exit(0);
})();
`;

/**
 * Runs the student's createTopics in a folder whose node_modules hold the shim as kafkajs and
 * `real` as kafkajs-real, as /sandbox does, against a fake broker that answers by `script`.
 * `module` 'kafkajs-real' runs it on kafkajs alone, without the shim.
 */
async function createTopics(real: string, script: Script, create: object, module: 'kafkajs' | 'kafkajs-real' = 'kafkajs'): Promise<Outcome> {
  const dir = mkdtempSync(path.join(scratch, 'run-'));
  mkdirSync(path.join(dir, 'node_modules'));
  // Copied, not linked: node resolves links to their target, where kafkajs-real is not found.
  cpSync(path.join(process.cwd(), 'lib', 'sandbox', 'kafkajs-shim'), path.join(dir, 'node_modules', 'kafkajs'), { recursive: true });
  symlinkSync(real, path.join(dir, 'node_modules', 'kafkajs-real'));
  writeFileSync(path.join(dir, 'program.cjs'), STUDENT_PROGRAM);
  const broker = new FakeBroker(script);
  try {
    const env = { PATH: process.env.PATH ?? '', BROKER: await broker.listen(), CREATE: JSON.stringify(create), KAFKAJS_MODULE: module } as unknown as NodeJS.ProcessEnv;
    // No stdin: on a pipe the shim would exit when it closes ("Detener"). Not spawnSync: the
    // broker answers from this process.
    const child = spawn(process.execPath, ['program.cjs'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    await new Promise((resolve, reject) => child.on('error', reject).on('close', resolve));
    expect(stdout, stderr).toMatch(/\n$/);
    return { ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<Outcome, 'stderr' | 'polls'>), stderr, polls: broker.polls };
  } finally {
    broker.close();
  }
}

const created = (ms: number) => ({ waitForLeaders: true, timeout: ms, topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }] });

describe('crear un tema en un clúster cuyo broker aún no lo conoce', () => {
  let bundle: string;

  beforeAll(async () => {
    bundle = (await kafkajsBundle({ kafkajsDir: KAFKAJS, cacheDir: path.join(scratch, 'cache'), nodePath: process.execPath }))!;
    expect(bundle).toBeTruthy();
  }, 60_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('sin el shim, kafkajs se rinde con UNKNOWN_TOPIC_OR_PARTITION aunque el tema se creó (el fallo de CI)', async () => {
    const outcome = await createTopics(KAFKAJS, { unknownFor: 3 }, created(5000), 'kafkajs-real');
    expect(outcome.error).toMatchObject({ name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(outcome.polls).toBe(1);
  });

  it.each([
    ['el paquete en un solo archivo', () => bundle],
    ['el árbol del paquete', () => KAFKAJS],
  ])('con %s, createTopics espera a los líderes como en una elección y responde true, sin errores en la salida', async (_, real) => {
    const outcome = await createTopics(real(), { unknownFor: 3 }, created(5000));
    expect(outcome).toMatchObject({ value: true, polls: 4, stderr: '' });
    expect(outcome.ms).toBeGreaterThanOrEqual(300); // kafkajs's wait: a request every 100 ms
  });

  it('sin timeout en la llamada, también espera a los líderes', async () => {
    const outcome = await createTopics(bundle, { unknownFor: 3 }, { topics: [{ topic: TOPIC }] });
    expect(outcome).toMatchObject({ value: true, polls: 4 });
  });

  it('si el tema no aparece en todo el timeout, falla como kafkajs al agotar la espera de líderes', async () => {
    const outcome = await createTopics(bundle, { unknownFor: Infinity }, created(1000));
    expect(outcome.error).toEqual({ name: 'KafkaJSTimeout', message: 'Timed out while waiting for topic leaders' });
    expect(outcome.ms).toBeGreaterThanOrEqual(1000);
    expect(outcome.ms).toBeLessThan(3000);
  });

  it('otro error al esperar a los líderes llega al alumno como antes', async () => {
    const outcome = await createTopics(bundle, { unknownFor: 1, knownError: TOPIC_AUTHORIZATION_FAILED }, created(5000));
    expect(outcome.error).toMatchObject({ name: 'KafkaJSProtocolError', type: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(outcome.polls).toBe(2);
  });

  it('un tema que ya existía sigue respondiendo false, y uno rechazado por la política trae su motivo', async () => {
    const existing = await createTopics(bundle, { unknownFor: 3, createError: { code: TOPIC_ALREADY_EXISTS, message: `Topic '${TOPIC}' already exists.` } }, created(5000));
    expect(existing).toMatchObject({ value: false, polls: 0 });
    const reason = 'Cauce: un tema admite como máximo 12 particiones (pediste 50).';
    const refused = await createTopics(bundle, { unknownFor: 3, createError: { code: POLICY_VIOLATION, message: reason } }, created(5000));
    expect(refused.error).toEqual({ name: 'KafkaJSAggregateError', message: `Topic creation errors: ${TOPIC}: ${reason}` });
  });

  it('con validateOnly no se crea nada: kafkajs responde lo mismo que sin el shim', async () => {
    const validate = { ...created(5000), validateOnly: true };
    const alone = await createTopics(KAFKAJS, { unknownFor: 0 }, validate, 'kafkajs-real');
    const shimmed = await createTopics(bundle, { unknownFor: 0 }, validate);
    expect(alone.error).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect(shimmed.error).toEqual(alone.error);
    expect(shimmed.ms).toBeLessThan(1000);
  });

  it('sin waitForLeaders, responde true sin preguntar por los líderes', async () => {
    const outcome = await createTopics(bundle, { unknownFor: Infinity }, { ...created(5000), waitForLeaders: false });
    expect(outcome).toMatchObject({ value: true, polls: 0 });
  });
});
