import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderServerProperties } from './config';
import { expectedJars } from './download';
import { kafkaPaths } from './paths';
import { KAFKA_VERSION } from './version';

describe('configuración del broker del laboratorio', () => {
  it('el pom y version.ts fijan la misma versión de Kafka', () => {
    const pom = readFileSync(kafkaPaths().pom, 'utf8');
    expect(pom).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`);
    expect(expectedJars()).toContain(`kafka_2.13-${KAFKA_VERSION}.jar`);
    expect(expectedJars()).toContain('log4j-slf4j2-impl-2.26.1.jar');
    // An SLF4J 1.x API would silently drop every broker log line.
    expect(expectedJars().filter((jar) => jar.startsWith('slf4j-api-'))).toEqual(['slf4j-api-2.0.17.jar']);
  });

  it('escribe un nodo KRaft que es broker y controlador, solo en 127.0.0.1, sin ningún listener abierto', () => {
    const security = { adminUser: 'admin', adminPassword: 'secreto-admin', controllerPassword: 'secreto-controlador' };
    const text = renderServerProperties({ port: 19092, dataDir: '/tmp/datos', security });
    const props = Object.fromEntries(
      text.split('\n').filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;
    expect(props['process.roles']).toBe('broker,controller');
    expect(props['node.id']).toBe('1');
    expect(props.listeners).toBe('CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    // Both listeners authenticate; nothing maps to PLAINTEXT.
    expect(props['listener.security.protocol.map']).toBe('CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT');
    expect(props['listener.name.client.sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
    expect(props['listener.name.controller.sasl.enabled.mechanisms']).toBe('PLAIN');
    expect(props['listener.name.controller.plain.sasl.jaas.config']).toContain('user_controller="secreto-controlador"');
    expect(props['authorizer.class.name']).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(props['super.users']).toBe('User:admin;User:controller');
    expect(props['allow.everyone.if.no.acl.found']).toBe('false');
    expect(props['controller.quorum.bootstrap.servers']).toBe('127.0.0.1:19093');
    expect(props['log.dirs']).toBe('/tmp/datos');
    expect(props['offsets.topic.replication.factor']).toBe('1');
    expect(props['transaction.state.log.replication.factor']).toBe('1');
    expect(props['auto.create.topics.enable']).toBe('true');
    expect(props['group.initial.rebalance.delay.ms']).toBe('0');
  });
});
