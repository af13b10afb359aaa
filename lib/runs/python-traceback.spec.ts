import { describe, expect, it } from 'vitest';
import { KAFKA_PYTHON } from './kafka-py';
import { PythonTracebackTracker } from './python-traceback';
import { startRun } from './start';

function track(lines: string[], files = ['producer.py', 'ayuda.py']) {
  const tracker = new PythonTracebackTracker(files);
  for (const line of lines) tracker.observe(line);
  return tracker;
}

describe('errores de Python en la línea del alumno', () => {
  it('la excepción se sitúa en el marco más interno de los archivos del alumno, no en kafka-python', () => {
    const tracker = track([
      'Traceback (most recent call last):',
      '  File "producer.py", line 12, in <module>',
      '    enviar()',
      '  File "ayuda.py", line 4, in enviar',
      "    producer.send('x', b'1').get(timeout=10)",
      '  File "/opt/venv/lib/python3.11/site-packages/kafka/producer/future.py", line 71, in get',
      '    raise self.exception # pylint: disable-msg=raising-bad-type',
      '    ^^^^^^^^^^^^^^^^^^^^',
      'kafka.errors.TopicAuthorizationFailedError: [Error 29] TopicAuthorizationFailedError: bea.x',
    ]);
    expect(tracker.result()).toEqual({
      file: 'ayuda.py',
      line: 4,
      column: 1,
      message: 'kafka.errors.TopicAuthorizationFailedError: [Error 29] TopicAuthorizationFailedError: bea.x',
    });
    expect(KAFKA_PYTHON.explain?.(tracker.error()!)).toMatch(/^TopicAuthorizationFailedError: Kafka no te deja usar ese tema/);
  });

  it('de una excepción encadenada cuenta la última, la que terminó el programa', () => {
    const tracker = track([
      'Traceback (most recent call last):',
      '  File "producer.py", line 3, in <module>',
      "KeyError: 'x'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "producer.py", line 5, in <module>',
      'kafka.errors.NoBrokersAvailable: NoBrokersAvailable',
    ]);
    expect(tracker.result()).toMatchObject({ file: 'producer.py', line: 5 });
    expect(KAFKA_PYTHON.explain?.(tracker.error()!)).toContain('os.environ["KAFKA_BROKERS"]');
  });

  it('un error de sintaxis de un módulo importado, sin cabecera de traceback, también se sitúa', () => {
    const tracker = track(['  File "ayuda.py", line 2', '    def f(:', '          ^', 'SyntaxError: invalid syntax']);
    expect(tracker.result()).toMatchObject({ file: 'ayuda.py', line: 2, message: 'SyntaxError: invalid syntax' });
  });

  it('startRun rechaza un ejemplo de Python con un error de sintaxis antes de ejecutarlo, marcado en su línea', async () => {
    const outcome = await startRun({
      lesson: 'kafka/productor',
      snippet: 'kafka/productor/productor-de-mensajes-en-python',
      kind: 'kafka-py',
      files: [{ name: 'producer.py', content: 'import os\nprint("hola"\n' }],
    });
    expect(outcome).toMatchObject({ ok: false, status: 422 });
    if (outcome.ok) return;
    expect(outcome.message).toMatch(/^Tu código tiene un error de sintaxis en producer\.py, línea 2: El «\(» nunca se cierra/);
    expect(outcome.diagnostics).toEqual([expect.objectContaining({ type: 'diagnostic', file: 'producer.py', line: 2 })]);
  });
});
