import { describe, expect, it } from 'vitest';
import { parseRecordLine, RECORD_MARKER } from './records';
import { RuntimeErrorTracker } from './runtime-error';

describe('RuntimeErrorTracker', () => {
  it('finds the first error message and the first frame in a student file', () => {
    const tracker = new RuntimeErrorTracker(['producer.ts', 'util.ts']);
    for (const line of [
      'file:///sandbox/producer.ts:3',
      "throw new Error('fallo')",
      'Error: fallo a propósito',
      '    at file:///node_modules/kafkajs/src/index.js:10:3',
      '    at producer.ts:3:7',
      '    at util.ts:1:1',
    ])
      tracker.observe(line);
    expect(tracker.result()).toEqual({ file: 'producer.ts', line: 3, column: 7, message: 'Error: fallo a propósito' });
  });

  it('reports nothing when no frame points at the student', () => {
    const tracker = new RuntimeErrorTracker(['producer.ts']);
    tracker.observe('KafkaJSConnectionError: Connection error');
    tracker.observe('    at Socket.onError (node_modules/kafkajs/src/network/connection.js:210:23)');
    expect(tracker.result()).toBeUndefined();
  });
});

describe('parseRecordLine', () => {
  it('reads a record reported by the kafkajs shim', () => {
    const line = `${RECORD_MARKER}${JSON.stringify({ direction: 'produced', topic: 't', partition: 1, offset: '7', key: 'k', value: 'v' })}`;
    expect(parseRecordLine(line)).toEqual({ direction: 'produced', topic: 't', partition: 1, offset: '7', key: 'k', value: 'v' });
  });

  it('ignores ordinary output and malformed markers', () => {
    expect(parseRecordLine('hola')).toBeUndefined();
    expect(parseRecordLine(`${RECORD_MARKER}{"direction":"robado"}`)).toBeUndefined();
    expect(parseRecordLine(`${RECORD_MARKER}{no json`)).toBeUndefined();
  });
});
