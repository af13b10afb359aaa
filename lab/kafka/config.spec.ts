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

  it('escribe un nodo KRaft que es broker y controlador, solo en 127.0.0.1', () => {
    const text = renderServerProperties({ port: 19092, dataDir: '/tmp/datos' });
    const props = Object.fromEntries(
      text.split('\n').filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;
    expect(props['process.roles']).toBe('broker,controller');
    expect(props['node.id']).toBe('1');
    expect(props.listeners).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(props['controller.quorum.bootstrap.servers']).toBe('127.0.0.1:19093');
    expect(props['log.dirs']).toBe('/tmp/datos');
    expect(props['offsets.topic.replication.factor']).toBe('1');
    expect(props['transaction.state.log.replication.factor']).toBe('1');
    expect(props['auto.create.topics.enable']).toBe('true');
    expect(props['group.initial.rebalance.delay.ms']).toBe('0');
  });
});
