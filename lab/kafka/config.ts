import { policyProperties } from './limits';

/** What varies between lab brokers; everything else is fixed for a one-node lab. */
export interface ServerConfigInput {
  /** Client (PLAINTEXT) port on 127.0.0.1. The controller listens on port + 1. */
  readonly port: number;
  /** Absolute path of the data directory (log.dirs). */
  readonly dataDir: string;
  /** @default 1 */
  readonly nodeId?: number;
  /**
   * Every node of a multi-node cluster (this one included), for a static quorum
   * (`controller.quorum.voters`). Absent for the lab's one node, which is formatted with
   * `--standalone` (a dynamic quorum of itself). Tests use it to start a 3-node cluster.
   * @default undefined: one node, its own controller
   */
  readonly voters?: readonly QuorumVoter[];
  /** Credentials written into the file (which is therefore 0600). */
  readonly security: {
    /** SCRAM-SHA-512 super user; the broker also uses it for its own inter-broker client. */
    readonly adminUser: string;
    readonly adminPassword: string;
    /** PLAIN password of the controller listener (principal `controller`). */
    readonly controllerPassword: string;
  };
}

/** One controller of a static quorum: its node id and client port (its controller listens on port + 1). */
export interface QuorumVoter {
  readonly id: number;
  readonly port: number;
}

/** The broker's own principal on the controller listener; a super user. */
export const CONTROLLER_PRINCIPAL = 'controller';

const jaas = (module: string, options: Record<string, string>) =>
  `${module} required ${Object.entries(options)
    .map(([key, value]) => `${key}="${value}"`)
    .join(' ')};`;

/**
 * Renders server.properties for a single-node KRaft broker that is its own controller
 * (or, with `voters`, one broker-and-controller node of a static-quorum cluster).
 * Both listeners bind to 127.0.0.1 only: the lab is reached by the site and the
 * sandboxed runs on the same machine, never from the network. Student code can reach every
 * loopback port, so neither listener is open: clients authenticate with SCRAM-SHA-512
 * (one principal per student, prefixed ACLs through the StandardAuthorizer), and the
 * controller listener takes only PLAIN with a password that exists only in this file.
 */
export function renderServerProperties(input: ServerConfigInput): string {
  const nodeId = input.nodeId ?? 1;
  const clientAddress = `127.0.0.1:${input.port}`;
  const controllerAddress = `127.0.0.1:${input.port + 1}`;
  const { adminUser, adminPassword, controllerPassword } = input.security;
  const voters = input.voters;
  // Internal topics cannot have more replicas than brokers; with a cluster, 3 (or all of them)
  // so they survive a broker going away, and a write needs 2 of them in sync.
  const replicas = Math.min(3, voters?.length ?? 1);
  const minInSync = Math.min(2, replicas);
  const entries: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', nodeId],
    voters
      ? // Static quorum: every node knows every controller; formatted without a quorum flag.
        ['controller.quorum.voters', voters.map((v) => `${v.id}@127.0.0.1:${v.port + 1}`).join(',')]
      : // Dynamic quorum (KIP-853): formatted with --standalone, so this node is the
        // only voter and the bootstrap server is itself.
        ['controller.quorum.bootstrap.servers', controllerAddress],
    ['listeners', `CLIENT://${clientAddress},CONTROLLER://${controllerAddress}`],
    ['advertised.listeners', `CLIENT://${clientAddress},CONTROLLER://${controllerAddress}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'CLIENT'],
    ['listener.security.protocol.map', 'CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT'],
    // Clients: SCRAM-SHA-512 only. The admin credential is bootstrapped at format time
    // (StorageTool --add-scram); students' are added by lab/kafka/tenants.ts.
    ['sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['listener.name.client.sasl.enabled.mechanisms', 'SCRAM-SHA-512'],
    ['sasl.mechanism.inter.broker.protocol', 'SCRAM-SHA-512'],
    ['listener.name.client.scram-sha-512.sasl.jaas.config', jaas('org.apache.kafka.common.security.scram.ScramLoginModule', { username: adminUser, password: adminPassword })],
    // Controller: SCRAM is not supported there, so PLAIN with its only user defined here
    // (user_controller); the broker side logs in with the same pair.
    ['listener.name.controller.sasl.enabled.mechanisms', 'PLAIN'],
    ['sasl.mechanism.controller.protocol', 'PLAIN'],
    [
      'listener.name.controller.plain.sasl.jaas.config',
      jaas('org.apache.kafka.common.security.plain.PlainLoginModule', {
        username: CONTROLLER_PRINCIPAL,
        password: controllerPassword,
        [`user_${CONTROLLER_PRINCIPAL}`]: controllerPassword,
      }),
    ],
    // Deny by default; each student gets ALLOW ACLs on their prefix only.
    ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
    ['super.users', `User:${adminUser};User:${CONTROLLER_PRINCIPAL}`],
    ['allow.everyone.if.no.acl.found', false],
    ['log.dirs', input.dataDir],
    ['num.partitions', 1],
    ['offsets.topic.replication.factor', replicas],
    ['transaction.state.log.replication.factor', replicas],
    ['transaction.state.log.min.isr', minInSync],
    ['share.coordinator.state.topic.replication.factor', replicas],
    ['share.coordinator.state.topic.min.isr', minInSync],
    // Topics created without a replication factor (the lessons' createTopics, auto-creation).
    ['default.replication.factor', replicas],
    // Lessons produce to topics they never created, as the articles do.
    ['auto.create.topics.enable', true],
    // A student's consumer should get its partitions at once, not after 3 s.
    ['group.initial.rebalance.delay.ms', 0],
    // Fewer partitions for group offsets: lab groups are few and the disk is shared.
    ['offsets.topic.num.partitions', 10],
    // Students' topics: the broker policy (LabTopicPolicy.java) with the numbers of
    // limits.ts, and retention/segment defaults equal to its caps (so unset means capped).
    ...policyProperties(clientAddress),
  ];
  const lines = entries.map(([key, value]) => `${key}=${propertyValue(String(value))}`);
  return `# Written by lab/kafka/broker.ts on every start; edits here are overwritten.\n${lines.join('\n')}\n`;
}

/**
 * A value as java.util.Properties reads it back: the broker loads the file as ISO-8859-1 and
 * treats `\` as an escape, so backslashes (the policy's regex) are doubled and non-ASCII
 * (its Spanish labels) becomes \uXXXX.
 */
function propertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
