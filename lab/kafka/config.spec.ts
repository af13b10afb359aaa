import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderServerProperties } from './config';
import { expectedJars } from './download';
import { KAFKA_TOPIC_LIMITS } from '@/lib/limits';
import { FREE_TOPIC_CONFIGS, STUDENT_TOPIC_PATTERN } from './limits';
import { kafkaPaths } from './paths';
import { KAFKA_VERSION } from './version';

/** server.properties as java.util.Properties reads it (escapes included). */
function parseProperties(text: string): Record<string, string> {
  const unescape = (value: string) =>
    value.replace(/\\u([0-9a-f]{4})|\\(.)/g, (_, hex: string | undefined, char: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : char!));
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('=') && !line.startsWith('#'))
      .map((line) => {
        const [key = '', value = ''] = line.split(/=(.*)/s);
        return [key, unescape(value)];
      }),
  );
}

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
      text
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
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

  it('un nodo de un clúster de 3 lista los tres controladores (quórum estático) y replica por 3 los temas internos', () => {
    const security = { adminUser: 'admin', adminPassword: 'secreto-admin', controllerPassword: 'secreto-controlador' };
    const voters = [
      { id: 1, port: 19092 },
      { id: 2, port: 29092 },
      { id: 3, port: 39092 },
    ];
    const props = parseProperties(renderServerProperties({ port: 29092, dataDir: '/tmp/datos-2', nodeId: 2, voters, security }));
    expect(props['node.id']).toBe('2');
    expect(props['controller.quorum.voters']).toBe('1@127.0.0.1:19093,2@127.0.0.1:29093,3@127.0.0.1:39093');
    expect(props['controller.quorum.bootstrap.servers']).toBeUndefined();
    expect(props.listeners).toBe('CLIENT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    for (const key of [
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'share.coordinator.state.topic.replication.factor',
      'default.replication.factor',
    ]) {
      expect(props[key], key).toBe('3');
    }
    expect(props['transaction.state.log.min.isr']).toBe('2');
    expect(props['cauce.limits.admin.bootstrap.servers']).toBe('127.0.0.1:29092');
    // The lab's one node keeps its dynamic quorum of itself and replication factor 1.
    const single = parseProperties(renderServerProperties({ port: 19092, dataDir: '/tmp/datos', security }));
    expect(single['controller.quorum.voters']).toBeUndefined();
    expect(single['default.replication.factor']).toBe('1');
    expect(single['transaction.state.log.min.isr']).toBe('1');
  });

  it('la política de temas lee los números de limits.ts, y las retenciones por defecto son los topes', () => {
    const security = { adminUser: 'admin', adminPassword: 'secreto-admin', controllerPassword: 'secreto-controlador' };
    const props = parseProperties(renderServerProperties({ port: 19092, dataDir: '/tmp/datos', security }));
    expect(props['create.topic.policy.class.name']).toBe('cauce.kafka.LabTopicPolicy');
    expect(props['alter.config.policy.class.name']).toBe('cauce.kafka.LabTopicPolicy$Configs');
    expect(props['cauce.limits.student.topic.pattern']).toBe(STUDENT_TOPIC_PATTERN);
    expect(props['cauce.limits.partitions.per.topic']).toBe(String(KAFKA_TOPIC_LIMITS.partitionsPerTopic));
    expect(props['cauce.limits.topics.per.student']).toBe(String(KAFKA_TOPIC_LIMITS.topicsPerStudent));
    expect(props['cauce.limits.partitions.per.student']).toBe(String(KAFKA_TOPIC_LIMITS.partitionsPerStudent));
    expect(props['cauce.limits.max.retention.ms.label']).toBe('7 días');
    expect(props['cauce.limits.free.configs']?.split(',')).toEqual([...FREE_TOPIC_CONFIGS]);
    expect(props['cauce.limits.admin.bootstrap.servers']).toBe('127.0.0.1:19092');
    expect(props['log.retention.ms']).toBe(String(KAFKA_TOPIC_LIMITS.maxRetentionMs));
    expect(props['log.retention.bytes']).toBe(String(KAFKA_TOPIC_LIMITS.maxRetentionBytes));
    expect(props['log.segment.bytes']).toBe(String(KAFKA_TOPIC_LIMITS.maxSegmentBytes));
    // Student slugs (credentials.ts) are what the pattern calls a student's topic; the site's are not.
    const owner = (topic: string) => new RegExp(STUDENT_TOPIC_PATTERN).exec(topic)?.[1];
    expect(owner('ana_3f2a.pedidos')).toBe('ana_3f2a');
    expect(owner('__consumer_offsets')).toBeUndefined();
    expect(owner('pedidos')).toBeUndefined();
  });
});
