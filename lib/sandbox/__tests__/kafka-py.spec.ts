/**
 * The kafka-py kind against the real sandbox (bwrap, setpriv, prlimit, the lab's kafka-python
 * venv), as root like the server, without a broker: what a hostile Python program meets. Each
 * ends with its limit's reason, nothing of it is left behind, and the next run is clean.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareKafkaPython } from '@/lab/kafka/python-client';
import { assertSandboxPrerequisites, uidProcesses } from './prerequisites';
import { SandboxHost } from '../host';
import { runKafkaPython, type KafkaPyRequest } from '../kafka-py';
import type { SandboxOutput } from '../output';
import { checkPythonSyntax } from '../python-syntax';
import { TEST_UIDS } from '../uids';

const FIRST_UID = TEST_UIDS.kafkaPy;
const CONCURRENCY = 2;
const host = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-test' });

async function py(code: string, options: Partial<KafkaPyRequest> = {}) {
  const out: SandboxOutput[] = [];
  const result = await runKafkaPython(
    { files: [{ name: 'main.py', content: code }], entry: 'main.py', env: { KAFKA_BROKERS: '127.0.0.1:9' }, endpoints: [], limits: { wallMs: 20_000 }, ...options },
    (o) => out.push(o),
    host,
  );
  const text = (stream: string) =>
    out
      .filter((o) => o.stream === stream && !o.record)
      .map((o) => o.text)
      .join('');
  return { result, stdout: text('stdout'), stderr: text('stderr') };
}

describe('el tipo kafka-py en el sandbox real', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    assertSandboxPrerequisites();
    await prepareKafkaPython();
  }, 120_000);

  it('el programa corre como un usuario sin privilegios, solo ve su entorno y kafka-python, y no alcanza la red', async () => {
    const { result, stdout } = await py(
      [
        'import os, socket, kafka',
        'print(os.getuid() != 0, kafka.__version__)',
        'print(sorted(k for k in os.environ if k.startswith("KAFKA")))',
        'for path in ("/etc/shadow", "/root", "/work"):',
        '    print(path, os.path.exists(path))',
        'try:',
        '    socket.create_connection(("127.0.0.1", 3000), timeout=2)',
        '    print("red: sí")',
        'except OSError:',
        '    print("red: no")',
      ].join('\n'),
    );
    expect(result).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(stdout).toContain('True 3.0.12\n');
    expect(stdout).toContain("['KAFKA_BROKERS']\n");
    expect(stdout).toContain('/etc/shadow False\n/root False\n/work False\n');
    expect(stdout).toContain('red: no\n');
  });

  it('una excepción se muestra desde la línea del alumno, con su archivo como en la pestaña', async () => {
    const { result, stderr } = await py('x = 1\n\ny = x / 0\n');
    expect(result).toMatchObject({ reason: 'finished', exitCode: 1 });
    expect(stderr).toContain('File "main.py", line 3, in <module>');
    expect(stderr).toContain('ZeroDivisionError: division by zero');
    expect(stderr).not.toContain('runpy');
    expect(stderr).not.toContain('/sandbox/');
  });

  it('un error de sintaxis se encuentra antes de ejecutar, en su archivo y su línea, explicado en español', async () => {
    const diagnostics = await checkPythonSyntax([
      { name: 'producer.py', content: 'import os\n\nfor i in range(3)\n    print(i)\n' },
      { name: 'helpers.py', content: 'def ok():\n    return 1\n' },
    ]);
    expect(diagnostics).toEqual([{ file: 'producer.py', line: 3, column: 18, message: "Falta «:» al final de la línea (expected ':')" }]);
    expect(await checkPythonSyntax([{ name: 'ok.py', content: 'print("hola")\n' }])).toEqual([]);
    // Compiling never runs: a top-level side effect does not happen.
    expect(await checkPythonSyntax([{ name: 'side.py', content: 'open("/tmp/cauce-side-effect", "w")\n' }])).toEqual([]);
    await expect(readFile('/tmp/cauce-side-effect')).rejects.toThrow();
  });

  it('una bomba de procesos acaba con process-limit y no deja nada detrás', async () => {
    const { result } = await py('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n');
    expect(result.reason).toBe('process-limit');
    expect(await uidProcesses(FIRST_UID, CONCURRENCY)).toBe(0);
  });

  it('un bucle sin fin acaba con cpu-limit', async () => {
    // 2 s of CPU instead of the default's 10: the same rlimit, reached sooner on a shared, busy machine.
    const { result } = await py('while True:\n    pass\n', { limits: { cpuSeconds: 2, wallMs: 50_000 } });
    expect(result.reason).toBe('cpu-limit');
    expect(result.message).toContain('2 s de CPU');
  });

  it('una salida enorme se corta en su límite', async () => {
    const { result } = await py('while True:\n    print("x" * 1000)\n');
    expect(result).toMatchObject({ reason: 'output-limit', truncated: true });
  });

  it('pedir más memoria de la permitida acaba con memory-limit', async () => {
    const { result } = await py('datos = []\nwhile True:\n    datos.append(bytearray(50 * 1024 * 1024))\n');
    expect(result.reason).toBe('memory-limit');
    expect(await uidProcesses(FIRST_UID, CONCURRENCY)).toBe(0);
  });

  it('después de todo eso, la siguiente ejecución corre limpia', async () => {
    const { result, stdout } = await py('print("limpio")\n');
    expect(result).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(stdout).toBe('limpio\n');
  });
});
