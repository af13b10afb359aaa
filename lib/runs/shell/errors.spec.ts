import { describe, expect, it } from 'vitest';
import { explainBashError, ShellErrorTracker } from './errors';

describe('errores de bash en la línea del alumno', () => {
  it('lee el formato de bash en inglés y en español, solo de los archivos del alumno', () => {
    const tracker = new ShellErrorTracker(['checks.sh']);
    tracker.observe('/sandbox/checks.sh: line 3: foo: command not found');
    tracker.observe('checks.sh: línea 7: bar: orden no encontrada');
    tracker.observe('otro.sh: line 1: baz: command not found');
    tracker.observe('checks.sh: line 3: foo: command not found'); // the same line again
    expect(tracker.errors()).toEqual([
      { file: 'checks.sh', line: 3, column: 1, message: expect.stringMatching(/^«foo» no es una orden/) },
      { file: 'checks.sh', line: 7, column: 1, message: expect.stringMatching(/^«bar» no es una orden/) },
    ]);
  });

  it('un error de sintaxis se marca una vez, con su token', () => {
    const tracker = new ShellErrorTracker(['checks.sh']);
    tracker.observe("checks.sh: line 5: syntax error near unexpected token `fi'");
    tracker.observe("checks.sh: line 5: `fi'");
    expect(tracker.errors()).toHaveLength(1);
    expect(tracker.errors()[0]!.message).toBe('Error de sintaxis cerca de «fi»: revisa que cada if tenga su then y su fi, cada bucle su do y su done.');
  });

  it('explica en español los mensajes habituales y cita los demás', () => {
    expect(explainBashError('/etc/x: Read-only file system')).toMatch(/solo lectura: en el laboratorio solo se escribe en \/tmp/);
    expect(explainBashError('[: unlimited: integer expression expected')).toMatch(/necesita números/);
    expect(explainBashError('algo raro')).toBe('bash informó: algo raro');
  });
});
