import { describe, expect, it } from 'vitest';
import { explainBashError, HadoopErrorNotices, ShellErrorTracker } from './errors';

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

describe('errores del cliente de Hadoop', () => {
  it('Hadoop parado (conexión rechazada, el 502 del relé) se dice en español, una vez', () => {
    const notices = new HadoopErrorNotices();
    const said = 'El Hadoop del laboratorio no responde ahora mismo; vuelve a ejecutar en unos segundos.';
    expect(notices.observe('ls: Unexpected HTTP response: code=502 != 200, op=LISTSTATUS, message=Bad Gateway')).toBe(said);
    expect(notices.observe('put: Connection refused')).toBeUndefined();
    expect(new HadoopErrorNotices().observe('ls: Call From x/127.0.0.1 to 127.0.0.1:9870 failed on connection exception: java.net.ConnectException: Connection refused')).toBe(
      said,
    );
  });
});
