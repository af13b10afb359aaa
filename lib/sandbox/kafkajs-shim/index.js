'use strict';
/**
 * Mounted at /sandbox/node_modules/kafkajs; the real package sits beside it as kafkajs-real
 * (bundled into one file, lib/sandbox/kafkajs-bundle.ts, or the package tree when that failed).
 * Students write plain kafkajs. This subclass only watches: after a send is acknowledged and
 * before each consumed message is handled, it prints one marked line per record, which the
 * server turns into record events (partitions and offsets drawn under the editor).
 * It also logs the client in as the student: when the run's environment carries the student's
 * own SCRAM credential (KAFKA_USERNAME, KAFKA_PASSWORD) and the config has no `sasl`, it adds
 * one, so lesson code stays `new Kafka({ clientId, brokers })`. Admin credentials never get here.
 * And it mends two of kafkajs's answers about new topics: the broker's reason for refusing one,
 * and a leader wait that gave up on a broker that had not heard of the topic yet (see below).
 * Keep the `module.exports = require(...)` shape at the end: Node's ESM loader finds named
 * exports (`import { Kafka, logLevel } from 'kafkajs'`) by reading it statically.
 */
const real = require('kafkajs-real');
const { cauceLogCreator } = require('./log');
const RealKafka = real.Kafka;

// lib/sandbox/record-marker.ts spells it for the server: the collector passes these lines apart, outside the output cap.
const MARKER = '\u001ecauce:record ';
const MAX_TEXT = 300;
const partitionOf = new WeakMap();
const connected = new Set();
let consumerCount = 0;

/**
 * "Detener" closes our stdin: leave consumer groups and close connections cleanly (a killed
 * member would block the group's next rebalance for the whole session timeout), then exit.
 * stdin is unref'd so a program that finishes on its own is not kept alive by it.
 */
function exitGracefullyWhenStdinCloses() {
  let isPipe = false;
  try {
    // Node's spawn makes stdio pipes as socketpairs (a FIFO only from a shell): both count.
    const stdin = require('node:fs').fstatSync(0);
    isPipe = stdin.isFIFO() || stdin.isSocket();
  } catch {
    return;
  }
  if (!isPipe) return;
  process.stdin.on('end', () => {
    const done = Promise.allSettled([...connected].map((client) => client.disconnect()));
    const cap = new Promise((resolve) => setTimeout(resolve, 2000));
    Promise.race([done, cap]).then(() => process.exit(0));
  });
  process.stdin.resume();
  process.stdin.unref();
}
exitGracefullyWhenStdinCloses();

/**
 * kafkajs's protocol modules the shim patches (kafkajs calls each version's `response.parse`
 * through the module object, so it is replaced there). The bundle the sandbox mounts has no files
 * to require them by, so it hands over its own module objects (lib/sandbox/kafkajs-bundle/entry.js),
 * under a key this takes away again; the package tree, mounted when no bundle could be built, has the files.
 */
function kafkajsInternals() {
  const key = Symbol.for('cauce.kafkajs.internals');
  const bundled = real[key];
  if (bundled) {
    delete real[key];
    return bundled;
  }
  return {
    createTopicsResponses: responseModules('createTopics', ['v1', 'v2', 'v3']),
    metadataResponses: responseModules('metadata', ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']),
  };
}

function responseModules(request, versions) {
  // All required before any is patched: later versions take the parse of an earlier one when
  // they load, and one taken already patched would run the patch again (three times on
  // CreateTopics v3).
  const responses = [];
  for (const version of versions) {
    try {
      responses.push(require(`kafkajs-real/src/protocol/requests/${request}/${version}/response`));
    } catch {
      // not in this kafkajs: nothing to patch for that version
    }
  }
  return responses;
}

/**
 * kafkajs decodes why the broker refused a topic (CreateTopics v1+ carries an error_message:
 * the lab's policy says which limit, "Cauce: un tema admite como máximo 12 particiones…") and
 * then drops it, leaving only POLICY_VIOLATION. Put it back into the errors' messages, where
 * the student reads it and the server's limit watcher (lib/runs/kafka-limits.ts) finds it.
 */
function keepTopicRefusalReasons(createTopicsResponses) {
  for (const response of createTopicsResponses) {
    const parse = response.parse;
    response.parse = async (data) => {
      try {
        return await parse(data);
      } catch (error) {
        const reasonOf = (topic) => (data.topicErrors || []).find((t) => t.topic === topic && t.errorMessage)?.errorMessage;
        const reasons = (data.topicErrors || []).filter((t) => t.errorMessage).map((t) => `${t.topic}: ${t.errorMessage}`);
        if (reasons.length > 0 && error && typeof error.message === 'string') {
          error.message = `${error.message}: ${reasons.join('; ')}`;
          for (const inner of error.errors || []) {
            const reason = reasonOf(inner.topic);
            if (reason && typeof inner.message === 'string') inner.message = `${inner.message}: ${reason}`;
          }
        }
        throw error;
      }
    };
  }
}

/**
 * `admin.createTopics` waits for the new topics' leaders (waitForLeaders, on by default) by
 * asking one broker for their metadata every 100 ms, and it waits on only while that broker
 * answers LEADER_NOT_AVAILABLE. In a cluster of several brokers the one asked may not have
 * applied the new topic yet and answer UNKNOWN_TOPIC_OR_PARTITION: kafkajs then gives up and
 * the student's program fails on a topic that was created (seen in CI on 3 KRaft brokers).
 * For a topic the cluster has just accepted that answer means no more than "no leader here
 * yet", so while such a call waits, the metadata responses (any client's in this run) say that
 * for its topics. Done in the responses' parse rather than by retrying around createTopics:
 * kafkajs's own wait then does the rest as for any leader election (its polls, its `timeout`,
 * 10 s unless the call gives one, its `true`), and the connection logs the answer as the
 * election it handles (./log.js keeps that quiet), not as an error that the server would
 * explain to the student as a missing topic.
 */
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;

/** The createTopics calls waiting for leaders: `{ topics: Set<string>, created: boolean }`. */
const leaderWaits = new Set();

function waitForNewTopicsLeaders(admin) {
  const createTopics = admin.createTopics.bind(admin);
  admin.createTopics = async (options) => {
    const { topics, validateOnly, waitForLeaders = true } = options || {};
    // validateOnly creates nothing, so kafkajs's UNKNOWN_TOPIC_OR_PARTITION is the true answer there.
    if (!waitForLeaders || validateOnly || !Array.isArray(topics)) return createTopics(options);
    const wait = { topics: new Set(topics.map((t) => t?.topic)), created: false };
    leaderWaits.add(wait);
    try {
      return await createTopics(options);
    } finally {
      leaderWaits.delete(wait);
    }
  };
  return admin;
}

/**
 * Marks the waits whose topics a CreateTopics response accepted. Before that, the same call's
 * metadata refresh may name a topic that truly does not exist yet: that answer stays as it was.
 */
function noteCreatedTopics(createTopicsResponses) {
  for (const response of createTopicsResponses) {
    const parse = response.parse;
    response.parse = async (data) => {
      const result = await parse(data); // throws unless every topic was accepted
      const accepted = new Set((data.topicErrors || []).map((t) => t.topic));
      for (const wait of leaderWaits) if ([...wait.topics].every((topic) => accepted.has(topic))) wait.created = true;
      return result;
    };
  }
}

function newTopicsHaveNoLeaderYet(metadataResponses) {
  for (const response of metadataResponses) {
    const parse = response.parse;
    response.parse = async (data) => parse(unknownNewTopicsAsLeaderless(data));
  }
}

function unknownNewTopicsAsLeaderless(data) {
  const settling = (t) => t.topicErrorCode === UNKNOWN_TOPIC_OR_PARTITION && [...leaderWaits].some((wait) => wait.created && wait.topics.has(t.topic));
  if (leaderWaits.size === 0 || !Array.isArray(data.topicMetadata) || !data.topicMetadata.some(settling)) return data;
  return { ...data, topicMetadata: data.topicMetadata.map((t) => (settling(t) ? { ...t, topicErrorCode: LEADER_NOT_AVAILABLE } : t)) };
}

const internals = kafkajsInternals();
keepTopicRefusalReasons(internals.createTopicsResponses);
noteCreatedTopics(internals.createTopicsResponses);
newTopicsHaveNoLeaderYet(internals.metadataResponses);

/** Remembers clients between connect and disconnect, for the graceful stop above. */
function track(client) {
  const connect = client.connect.bind(client);
  const disconnect = client.disconnect.bind(client);
  client.connect = async (...args) => {
    const result = await connect(...args);
    connected.add(client);
    return result;
  };
  client.disconnect = async (...args) => {
    connected.delete(client);
    return disconnect(...args);
  };
  return client;
}

function text(value) {
  if (value === null || value === undefined) return null;
  const s = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function report(record) {
  try {
    process.stdout.write(`${MARKER}${JSON.stringify(record)}\n`);
  } catch {
    // Reporting must never break the student's program.
  }
}

/** Wraps the partitioner to remember which partition each message object went to. */
function recordingPartitioner(createPartitioner) {
  return () => {
    const choose = createPartitioner();
    return (args) => {
      const partition = choose(args);
      if (args.message && typeof args.message === 'object') partitionOf.set(args.message, partition);
      return partition;
    };
  };
}

function reportProduced(topicMessages, metadata) {
  for (const { topic, messages = [] } of topicMessages) {
    const nextIndex = new Map();
    for (const message of messages) {
      const partition = partitionOf.get(message) ?? message.partition;
      const meta = metadata.find((m) => m.topicName === topic && m.partition === partition);
      if (partition === undefined || !meta || meta.baseOffset === undefined) continue;
      const index = nextIndex.get(partition) ?? 0;
      nextIndex.set(partition, index + 1);
      const offset = (BigInt(meta.baseOffset) + BigInt(index)).toString();
      report({ direction: 'produced', topic, partition, offset, key: text(message.key), value: text(message.value) });
    }
  }
}

function watchProducer(producer) {
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  producer.send = async (record) => {
    const metadata = await send(record);
    reportProduced([{ topic: record.topic, messages: record.messages }], metadata || []);
    return metadata;
  };
  producer.sendBatch = async (batch) => {
    const metadata = await sendBatch(batch);
    reportProduced(batch.topicMessages || [], metadata || []);
    return metadata;
  };
  return producer;
}

function watchConsumer(consumer, label) {
  const run = consumer.run.bind(consumer);
  const consumed = (topic, partition, message) =>
    report({ direction: 'consumed', topic, partition, offset: String(message.offset), key: text(message.key), value: text(message.value), consumer: label });
  consumer.run = (config = {}) => {
    const wrapped = { ...config };
    if (config.eachMessage) {
      wrapped.eachMessage = (payload) => {
        consumed(payload.topic, payload.partition, payload.message);
        return config.eachMessage(payload);
      };
    }
    if (config.eachBatch) {
      wrapped.eachBatch = (payload) => {
        for (const message of payload.batch.messages) consumed(payload.batch.topic, payload.batch.partition, message);
        return config.eachBatch(payload);
      };
    }
    return run(wrapped);
  };
  return consumer;
}

/**
 * kafkajs gives a TCP connection 1 s by default, a LAN's figure. The lab's broker shares two
 * cores with a whole class, and in a burst (40 students at once) a connection through the
 * run's relay took longer: the producer failed before sending anything. Patient unless the
 * code says otherwise.
 */
const LAB_CONNECTION_TIMEOUT_MS = 10_000;

/**
 * The client config a run gets: the lab's patient connection timeout, readable Spanish log
 * lines that stay quiet about what kafkajs handles itself (./log.js), and the student's own
 * principal, from the run's environment, each unless the code brings its own.
 */
function labClientConfig(config) {
  if (!config || typeof config !== 'object') return config;
  const patient = { connectionTimeout: LAB_CONNECTION_TIMEOUT_MS, logCreator: cauceLogCreator(), ...config };
  const username = process.env.KAFKA_USERNAME;
  const password = process.env.KAFKA_PASSWORD;
  if (config.sasl || !username || !password) return patient;
  return { ...patient, sasl: { mechanism: 'scram-sha-512', username, password } };
}

/**
 * A group outside the student's prefix is refused by the broker at FindCoordinator, which
 * kafkajs reports only as "Failed to find group coordinator". Say what really happened, in
 * the words the server recognises (GROUP_AUTHORIZATION_FAILED) to explain it in Spanish.
 */
function nameGroupRefusal(consumer, config) {
  const prefix = process.env.KAFKA_TOPIC_PREFIX;
  const groupId = config && config.groupId;
  if (!prefix || typeof groupId !== 'string' || groupId.startsWith(prefix)) return consumer;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload && payload.error && payload.error.name === 'KafkaJSGroupCoordinatorNotFound') {
      process.stderr.write(`GROUP_AUTHORIZATION_FAILED: Not authorized to access group "${groupId}"\n`);
    }
  });
  return consumer;
}

class Kafka extends RealKafka {
  constructor(config) {
    super(labClientConfig(config));
  }

  producer(config = {}) {
    const createPartitioner = config.createPartitioner || real.Partitioners.DefaultPartitioner;
    return track(watchProducer(super.producer({ ...config, createPartitioner: recordingPartitioner(createPartitioner) })));
  }

  consumer(config) {
    consumerCount += 1;
    // A shorter fetch long-poll than kafkajs's 5 s default (unless the student sets one), so
    // "Detener" can leave the group within its grace period instead of waiting on a fetch.
    const withDefaults = { maxWaitTimeInMs: 1000, ...config };
    return track(watchConsumer(nameGroupRefusal(super.consumer(withDefaults), withDefaults), `consumidor-${consumerCount}`));
  }

  admin(config) {
    return track(waitForNewTopicsLeaders(super.admin(config)));
  }
}

// The real module object, with Kafka swapped for the watching subclass (only in this sandbox).
module.exports = require('kafkajs-real');
module.exports.Kafka = Kafka;
