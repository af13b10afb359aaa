/** What varies between lab brokers; everything else is fixed for a one-node lab. */
export interface ServerConfigInput {
  /** Client (PLAINTEXT) port on 127.0.0.1. The controller listens on port + 1. */
  readonly port: number;
  /** Absolute path of the data directory (log.dirs). */
  readonly dataDir: string;
  /** @default 1 */
  readonly nodeId?: number;
}

/**
 * Renders server.properties for a single-node KRaft broker that is its own controller.
 * Both listeners bind to 127.0.0.1 only: the lab is reached by the site and the
 * sandboxed runs on the same machine, never from the network.
 */
export function renderServerProperties(input: ServerConfigInput): string {
  const nodeId = input.nodeId ?? 1;
  const clientAddress = `127.0.0.1:${input.port}`;
  const controllerAddress = `127.0.0.1:${input.port + 1}`;
  const entries: Array<[string, string | number | boolean]> = [
    ['process.roles', 'broker,controller'],
    ['node.id', nodeId],
    // Dynamic quorum (KIP-853): formatted with --standalone, so this node is the
    // only voter and the bootstrap server is itself.
    ['controller.quorum.bootstrap.servers', controllerAddress],
    ['listeners', `PLAINTEXT://${clientAddress},CONTROLLER://${controllerAddress}`],
    ['advertised.listeners', `PLAINTEXT://${clientAddress},CONTROLLER://${controllerAddress}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['inter.broker.listener.name', 'PLAINTEXT'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', input.dataDir],
    ['num.partitions', 1],
    // One broker: internal topics cannot have more replicas than brokers.
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // Lessons produce to topics they never created, as the articles do.
    ['auto.create.topics.enable', true],
    // A student's consumer should get its partitions at once, not after 3 s.
    ['group.initial.rebalance.delay.ms', 0],
    // Fewer, smaller segments: lab topics are tiny and the disk is shared.
    ['offsets.topic.num.partitions', 10],
    ['log.retention.hours', 168],
    ['log.segment.bytes', 64 * 1024 * 1024],
  ];
  const lines = entries.map(([key, value]) => `${key}=${String(value)}`);
  return `# Written by lab/kafka/broker.ts on every start; edits here are overwritten.\n${lines.join('\n')}\n`;
}
