/**
 * The pyspark kind against the real sandbox (bwrap, setpriv, prlimit, the Spark Connect client's
 * venv), as root like the server, without Spark: a stand-in TCP server plays the Spark Connect
 * endpoint, so what is checked is the sandbox's own promise. The program reaches that endpoint
 * and nothing else (not Kafka, not S3, not the site), sees only its environment, and «Detener»
 * lets the wrapper stop what it started before the sandbox is killed.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSparkClient } from '@/lab/spark/python-client';
import { assertSandboxPrerequisites } from './prerequisites';
import { SandboxHost } from '../host';
import type { SandboxOutput } from '../output';
import { runPyspark, type PysparkRequest } from '../pyspark';
import { TEST_UIDS } from '../uids';

const host = new SandboxHost({ firstUid: TEST_UIDS.pyspark, concurrency: 1, root: '/run/cauce-sandbox-test' });
let spark: net.Server;
let other: net.Server;
const port = (server: net.Server) => (server.address() as net.AddressInfo).port;

async function py(code: string, options: Partial<PysparkRequest> = {}) {
  const out: SandboxOutput[] = [];
  const endpoint = `127.0.0.1:${port(spark)}`;
  const result = await runPyspark(
    {
      files: [{ name: 'job.py', content: code }],
      entry: 'job.py',
      env: { SPARK_REMOTE: `sc://${endpoint}`, KAFKA_BROKERS: `127.0.0.1:${port(other)}`, S3_PREFIX: 'alumnos/alumno/' },
      endpoints: [endpoint],
      limits: { wallMs: 30_000 },
      ...options,
    },
    (o) => out.push(o),
    host,
  );
  const text = (stream: string, record = false) =>
    out
      .filter((o) => o.stream === stream && Boolean(o.record) === record)
      .map((o) => o.text)
      .join('');
  return { result, stdout: text('stdout'), stderr: text('stderr'), marked: text('stdout', true) };
}

const listen = () =>
  new Promise<net.Server>((resolve) => {
    const server = net.createServer((socket) => socket.end('hola'));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });

describe('el tipo pyspark en el sandbox real', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    assertSandboxPrerequisites();
    await prepareSparkClient();
    [spark, other] = await Promise.all([listen(), listen()]);
  }, 300_000);

  afterAll(() => {
    spark?.close();
    other?.close();
  });

  it('el cliente de Spark Connect carga; la red solo llega al servidor de Spark (ni a Kafka ni a nada más) y el entorno es el suyo', async () => {
    const { result, stdout } = await py(
      [
        'import os, socket',
        'import pyspark',
        'from pyspark.sql import SparkSession',
        'print("pyspark", pyspark.__version__, os.getuid() != 0)',
        'print(sorted(k for k in os.environ if not k.startswith(("LC_", "LANG"))))',
        'host, port = os.environ["SPARK_REMOTE"][5:].split(":")',
        'print("spark:", socket.create_connection((host, int(port)), timeout=2).recv(4))',
        'for name, where in (("kafka", os.environ["KAFKA_BROKERS"]), ("sitio", "127.0.0.1:3000")):',
        '    h, p = where.split(":")',
        '    try:',
        '        socket.create_connection((h, int(p)), timeout=2)',
        '        print(name, "sí")',
        '    except OSError:',
        '        print(name, "no")',
        'print("/work", os.path.exists("/work"), "/root", os.path.exists("/root"))',
      ].join('\n'),
    );
    expect(result).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(stdout).toContain('pyspark 4.2.0 True\n');
    expect(stdout).toContain("['HOME', 'KAFKA_BROKERS', 'LOGNAME', 'MALLOC_ARENA_MAX', 'PATH', 'PWD', 'S3_PREFIX', 'SPARK_REMOTE', 'USER']\n");
    expect(stdout).toContain("spark: b'hola'\n");
    expect(stdout).toContain('kafka no\nsitio no\n');
    expect(stdout).toContain('/work False /root False\n');
  });

  it('«Detener» cierra la entrada: el envoltorio para lo que arrancó y el programa termina antes de que lo maten', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 4_000);
    const started = Date.now();
    const { result, stdout, marked } = await py('import time\nprint("esperando", flush=True)\nwhile True:\n    time.sleep(0.2)\n', { signal: stop.signal });
    expect(stdout).toContain('esperando');
    expect(result.reason).toBe('stopped');
    expect(marked).toContain('"spark": "stopped", "reason": "stop"');
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('una excepción se marca en el archivo y la línea del alumno, con la ruta de su pestaña', async () => {
    const { result, stderr, marked } = await py('x = 1\n\ny = x / 0\n');
    expect(result).toMatchObject({ reason: 'finished', exitCode: 1 });
    expect(stderr).toContain('File "job.py", line 3, in <module>');
    expect(stderr).not.toMatch(/cauce_spark|runpy|\/sandbox\//);
    expect(marked).toContain('"file": "job.py", "line": 3');
  });
});
