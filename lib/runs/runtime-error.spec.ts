import { describe, expect, it } from 'vitest';
import { asSentence } from '@/lib/sandbox/messages';
import { RUN_MESSAGES } from './messages';
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
      '    at validateConnectionStatus (node_modules/kafkajs-real/kafkajs.js:14215:19)', // kafkajs in one file (lib/sandbox/kafkajs-bundle.ts)
      '    at producer.send (node_modules/kafkajs/index.js:166:28)', // the shim
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
    tracker.observe('    at Socket.onError (node_modules/kafkajs-real/kafkajs.js:12518:27)');
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

describe('los mensajes de una excepción', () => {
  it('el alumno lee qué excepción detuvo su programa y en qué línea, sin puntos repetidos', () => {
    expect(RUN_MESSAGES.exception("TypeError: Cannot read properties of undefined (reading 'send')", { file: 'producer.ts', line: 3 })).toBe(
      "Tu programa se detuvo por una excepción en producer.ts, línea 3 (marcada en el editor): TypeError: Cannot read properties of undefined (reading 'send').",
    );
    expect(RUN_MESSAGES.exception('KafkaJSError: Topic creation errors.')).toBe(
      'Tu programa se detuvo por una excepción: KafkaJSError: Topic creation errors. El detalle está en la salida de errores.',
    );
    expect(RUN_MESSAGES.exceptionAt('Error: fallo a propósito')).toBe('Excepción en tiempo de ejecución: Error: fallo a propósito.');
  });

  it('una frase ya terminada no recibe otro punto', () => {
    expect(asSentence('Se esperaba una expresión.')).toBe('Se esperaba una expresión.');
    expect(asSentence('¿Falta un «)»?')).toBe('¿Falta un «)»?');
    expect(asSentence('Se esperaba «,»')).toBe('Se esperaba «,».');
  });
});
