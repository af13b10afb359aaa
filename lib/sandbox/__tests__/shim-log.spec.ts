import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

type Line = ['stdout' | 'stderr', string];
type LogEntry = { namespace: string; level: number; label: string; log: Record<string, unknown> };
const { cauceLogCreator } = createRequire(import.meta.url)('../kafkajs-shim/log.js') as {
  cauceLogCreator: (write: (stream: Line[0], line: string) => void) => (level: number) => (entry: LogEntry) => void;
};

const ERROR = 1;
const WARN = 2;
const INFO = 4;
const DEBUG = 5;

function logger(level = INFO) {
  const lines: Line[] = [];
  const log = cauceLogCreator((stream, line) => lines.push([stream, line]))(level);
  return { lines, log };
}

const createTopicsExisting = {
  namespace: 'Connection',
  level: ERROR,
  label: 'ERROR',
  log: { message: 'Response CreateTopics(key: 19, version: 3)', error: "Topic creation errors: s1-saludos: Topic 's1-saludos' already exists.", broker: 'localhost:9092' },
};

describe('el registro de kafkajs en el laboratorio', () => {
  it('el alumno vuelve a ejecutar el productor y crear un tema que ya existía no imprime ningún error', () => {
    const { lines, log } = logger();
    log(createTopicsExisting);
    expect(lines).toEqual([]);
  });

  it('un tema rechazado por otra razón sí se ve, en una línea legible y en la salida de errores', () => {
    const { lines, log } = logger();
    log({
      ...createTopicsExisting,
      log: { ...createTopicsExisting.log, error: 'Topic creation errors: s1-a: Cauce: un tema admite como máximo 12 particiones (pediste 50)' },
    });
    expect(lines).toEqual([
      [
        'stderr',
        'kafkajs · error · [Connection] Response CreateTopics(key: 19, version: 3): Topic creation errors: s1-a: Cauce: un tema admite como máximo 12 particiones (pediste 50)',
      ],
    ]);
  });

  it('dos consumidores que se reparten el grupo no imprimen errores de reequilibrio, y el aviso sale una vez y en español', () => {
    const { lines, log } = logger();
    for (let i = 0; i < 5; i++) {
      log({
        namespace: 'Connection',
        level: ERROR,
        label: 'ERROR',
        log: { message: 'Response Heartbeat(key: 12, version: 3)', error: 'The group is rebalancing, so a rejoin is needed' },
      });
      log({ namespace: 'Runner', level: WARN, label: 'WARN', log: { message: 'The group is rebalancing, re-joining', groupId: 's1-grupo' } });
    }
    log({
      namespace: 'Connection',
      level: ERROR,
      label: 'ERROR',
      log: { message: 'Response FindCoordinator(key: 10, version: 2)', error: 'The group coordinator is not available' },
    });
    expect(lines).toEqual([['stdout', 'kafkajs · aviso · El grupo «s1-grupo» se está reequilibrando: el consumidor vuelve a unirse']]);
  });

  it('un consumidor que se reinicia porque el coordinador aún no estaba listo es un aviso, no un error', () => {
    const { lines, log } = logger();
    log({ namespace: 'Consumer', level: ERROR, label: 'ERROR', log: { message: 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', groupId: 'g' } });
    log({ namespace: 'Consumer', level: ERROR, label: 'ERROR', log: { message: 'Restarting the consumer in 1200ms', groupId: 'g' } });
    expect(lines).toEqual([
      ['stdout', 'kafkajs · aviso · El consumidor falló: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available'],
      ['stdout', 'kafkajs · aviso · El consumidor se reinicia en 1200 ms'],
    ]);
  });

  it('lo que kafkajs resuelve solo sigue visible con logLevel DEBUG', () => {
    const { lines, log } = logger(DEBUG);
    log(createTopicsExisting);
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBe('stdout');
    expect(lines[0]![1]).toMatch(/^kafkajs · depuración · /);
  });

  it('un broker que rechaza la conexión se explica en español, en la salida de errores, con el código técnico', () => {
    const { lines, log } = logger();
    log({ namespace: 'Connection', level: ERROR, label: 'ERROR', log: { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9999', broker: '127.0.0.1:9999' } });
    expect(lines).toEqual([['stderr', expect.stringMatching(/^kafkajs · error · Conexión rechazada por el broker 127\.0\.0\.1:9999 \(ECONNREFUSED\)/)]]);
  });

  it('al unirse al grupo, el consumidor dice qué particiones le tocaron', () => {
    const { lines, log } = logger();
    log({
      namespace: 'ConsumerGroup',
      level: INFO,
      label: 'INFO',
      log: { message: 'Consumer has joined the group', groupId: 's1-grupo', isLeader: true, memberAssignment: { 's1-pedidos': [0, 1] } },
    });
    expect(lines).toEqual([['stdout', 'kafkajs · info · El consumidor se unió al grupo «s1-grupo», como líder; particiones asignadas: s1-pedidos [0, 1]']]);
  });

  it('respeta el nivel que elige el alumno', () => {
    const { lines, log } = logger(ERROR);
    log({ namespace: 'Consumer', level: INFO, label: 'INFO', log: { message: 'Starting', groupId: 'g' } });
    expect(lines).toEqual([]);
  });
});
