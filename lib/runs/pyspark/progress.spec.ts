import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareSparkClient, sparkClientPaths } from '@/lab/spark/python-client';
import { RECORD_MARKER } from '@/lib/sandbox/record-marker';
import { BatchLedger, kafkaOffsets, parseSparkLine } from './progress';

const SHIM = path.resolve('lib/sandbox/pyspark-shim');
/** Two progress reports of a real Spark 4.2 query reading the Kafka source (a batch of 27 rows, then an idle trigger). */
const PROGRESS = readFileSync(path.resolve('lib/runs/pyspark/__fixtures__/progress.json'), 'utf8');

/** The wrapper's own batch_event over progress JSON, as it prints it (marker included), one line per report. */
function wrapperLines(progress: unknown[]): string[] {
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(SHIM)})
import cauce_spark
class Query:
    id = "q-1"
    runId = "r-1"
for p in json.loads(sys.stdin.read()):
    cauce_spark.emit(cauce_spark.batch_event(Query(), p))
`;
  const out = execFileSync(sparkClientPaths().python, ['-I', '-B', '-c', script], { input: JSON.stringify(progress), encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

/** The wrapper running a student's file (no Spark involved): what it prints and its exit code. */
function runWrapper(files: Record<string, string>, entry: string): { stdout: string; stderr: string; code: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cauce-pyspark-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  const boot = `import sys\nsys.path.insert(0, ${JSON.stringify(SHIM)})\nsys.argv = ["cauce_spark", ${JSON.stringify(entry)}]\nimport cauce_spark\ncauce_spark.main()\n`;
  writeFileSync(path.join(dir, '_boot.py'), boot);
  try {
    const stdout = execFileSync(sparkClientPaths().python, ['-B', path.join(dir, '_boot.py')], {
      env: { CAUCE_SANDBOX_DIR: dir, PATH: '/usr/bin' } as unknown as NodeJS.ProcessEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout, stderr: '', code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.status };
  }
}

beforeAll(async () => {
  await prepareSparkClient(); // the venv the sandbox binds (a no-op once installed)
}, 300_000);

describe('el envoltorio de pyspark lee el progreso de cada micro-lote', () => {
  it('del JSON de progreso de Spark saca el lote, las filas, la duración, el destino y los offsets de Kafka', () => {
    const [first, idle] = wrapperLines(JSON.parse(PROGRESS) as unknown[]).map(parseSparkLine);
    expect(first).toMatchObject({ spark: 'batch', batchId: 0, inputRows: 27, committed: true, durationMs: 915, sink: 'FileSink[s3a://test-bucket/alumnos/alumno/mensajes]' });
    expect(first?.spark === 'batch' && first.sources[0]).toMatchObject({ startOffset: null, endOffset: '{"mensajes":{"0":27}}', inputRows: 27 });
    // An idle trigger reports progress too, but commits nothing (no addBatch).
    expect(idle).toMatchObject({ spark: 'batch', batchId: 1, inputRows: 0, committed: false });
  });

  it('el servidor cuenta los lotes con filas, y la tabla de offsets muestra que el primero empezó desde el principio', () => {
    const ledger = new BatchLedger();
    const events = wrapperLines(JSON.parse(PROGRESS) as unknown[]).map((line) => {
      const parsed = parseSparkLine(line);
      return parsed?.spark === 'batch' ? ledger.take(parsed) : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'spark-batch', batchId: 0, wrote: true, continuous: true, ranges: [{ topic: 'mensajes', partition: 0, from: null, to: 27 }] });
    expect(events[1]).toMatchObject({ wrote: false, continuous: true });
    expect({ batches: ledger.batches, rows: ledger.rows }).toEqual({ batches: 1, rows: 27 });
    expect(ledger.firstRanges).toEqual([{ topic: 'mensajes', partition: 0, from: null, to: 27, resumed: false }]);
  });

  it('al relanzar, el primer lote empieza donde terminó la ejecución anterior (desde el checkpoint); un hueco o una repetición se ve', () => {
    const batch = (batchId: number, from: number | null, to: number) => ({
      spark: 'batch' as const,
      queryId: 'q',
      runId: 'r2',
      batchId,
      timestamp: `t${batchId}`,
      inputRows: to - (from ?? 0),
      inputRowsPerSecond: 0,
      processedRowsPerSecond: 10,
      durationMs: 800,
      committed: true,
      sink: null,
      sources: [{ description: 'KafkaV2', startOffset: from === null ? null : `{"mensajes":{"0":${from}}}`, endOffset: `{"mensajes":{"0":${to}}}`, inputRows: to - (from ?? 0) }],
    });
    const ledger = new BatchLedger();
    expect(ledger.take(batch(2, 27, 34))).toMatchObject({ continuous: true, ranges: [{ from: 27, to: 34 }] });
    expect(ledger.take(batch(3, 34, 40))).toMatchObject({ continuous: true });
    expect(ledger.take(batch(3, 34, 40))).toBeUndefined(); // the same report polled twice
    expect(ledger.take(batch(4, 38, 45))).toMatchObject({ continuous: false }); // 38 < 40: read twice
    expect(ledger.firstRanges).toEqual([{ topic: 'mensajes', partition: 0, from: 27, to: 34, resumed: true }]);
    expect(ledger.discontinuities).toBe(1);
  });

  it('una línea marcada que no es del envoltorio (el alumno puede imprimir cualquier cosa) se descarta', () => {
    expect(parseSparkLine(`${RECORD_MARKER}{"spark":"batch","batchId":"cero"}`)).toBeUndefined();
    expect(parseSparkLine(`${RECORD_MARKER}no es json`)).toBeUndefined();
    expect(parseSparkLine(`${RECORD_MARKER}{"spark":"stopped","reason":"stop","queries":1}`)).toEqual({ spark: 'stopped', reason: 'stop', queries: 1 });
    expect([...kafkaOffsets('{"t":{"0":"x","1":5}}')]).toEqual([['t\u00001', 5]]); // only numeric offsets
  });
});

describe('el envoltorio informa de la excepción del alumno en su línea', () => {
  it('un error en un módulo del ejemplo se marca en ese archivo y línea, sin los marcos del envoltorio', () => {
    const { stdout, stderr, code } = runWrapper({ 'job.py': 'import util\n\nutil.dividir()\n', 'util.py': 'def dividir():\n    return 1 / 0\n' }, 'job.py');
    expect(code).toBe(1);
    const error = stdout
      .split('\n')
      .map(parseSparkLine)
      .find((line) => line?.spark === 'error');
    expect(error).toMatchObject({ exception: 'ZeroDivisionError', file: 'util.py', line: 2 });
    expect(stderr).toMatch(/File ".*util\.py", line 2/);
    expect(stderr).not.toMatch(/cauce_spark|runpy/);
  });

  it('un programa que termina bien sale con 0 y dice que no quedó ninguna consulta', () => {
    const { stdout, code } = runWrapper({ 'job.py': 'print("hola")\n' }, 'job.py');
    expect(code).toBe(0);
    expect(stdout).toContain('hola');
    expect(stdout.split('\n').map(parseSparkLine)).toContainEqual({ spark: 'stopped', reason: 'end', queries: 0 });
  });
});
