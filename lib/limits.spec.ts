/** What the limits must keep whatever their figures: each check fails if one number drifts from another. */
import { describe, expect, it } from 'vitest';
import { RUNS } from '@/lib/content/remark-runnable';
import {
  AIRFLOW_PARSE_LIMITS,
  DEFAULT_AIRFLOW_TASK_LIMITS,
  DEFAULT_DAG_WORKER_LIMITS,
  DEFAULT_KAFKA_TS_LIMITS,
  KAFKA_TOPIC_LIMITS,
  MAX_RUN_BYTES,
  MAX_RUN_FILES,
  processLimitsOf,
  resolveLimits,
  treeBudgetOf,
  wallClockMs,
} from '@/lib/limits';
import { SnippetInputError, validateSnippetFiles } from '@/lib/sandbox';
import { startRun } from '@/lib/runs/start';
import { RUNNABLE_KINDS, RunRequest } from '@/lib/runs/schema';

const request = (files: { name: string; content: string }[], kind = 'kafka-ts') => ({
  lesson: 'kafka/productor',
  snippet: 'kafka/productor/productor-de-mensajes',
  kind,
  files,
});
const files = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `f${i}.ts`, content: 'export {}\n' }));

describe('límites de una ejecución', () => {
  it('un autor no puede desactivar un límite: cero, negativo, decimal o desconocido se rechazan en español', () => {
    expect(() => resolveLimits({ wallMs: 0 })).toThrow('El límite wallMs debe ser un entero positivo (recibido 0)');
    expect(() => resolveLimits({ memoryMb: -1 })).toThrow('El límite memoryMb debe ser un entero positivo (recibido -1)');
    expect(() => resolveLimits({ cpuSeconds: 1.5 })).toThrow(/cpuSeconds debe ser un entero positivo/);
    expect(() => resolveLimits({ outputBytes: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => resolveLimits({ sinLimite: 1 } as never)).toThrow('Límite desconocido: sinLimite');
  });

  it('lo que el autor ajusta cambia solo eso; el resto son los de kafka-ts', () => {
    expect(resolveLimits({ wallMs: 5_000, processes: undefined })).toEqual({ ...DEFAULT_KAFKA_TS_LIMITS, wallMs: 5_000 });
  });

  it('cada tipo que se puede ejecutar tiene su reloj, y un consumidor dura más que un productor', () => {
    for (const kind of RUNNABLE_KINDS) {
      for (const runs of RUNS) expect(wallClockMs(kind, runs), `${kind} ${runs}`).toBeGreaterThan(0);
    }
    expect(wallClockMs('kafka-ts', 'until-stopped')).toBeGreaterThan(wallClockMs('kafka-ts', 'to-end'));
    expect(wallClockMs('kafka-ts')).toBe(DEFAULT_KAFKA_TS_LIMITS.wallMs);
    expect(wallClockMs('airflow-dag')).toBe(DEFAULT_DAG_WORKER_LIMITS.wallMs);
  });

  it('todos los límites del sandbox de cada tipo son enteros positivos', () => {
    for (const [kind, limits] of Object.entries({ DEFAULT_KAFKA_TS_LIMITS, DEFAULT_DAG_WORKER_LIMITS, DEFAULT_AIRFLOW_TASK_LIMITS, AIRFLOW_PARSE_LIMITS })) {
      for (const [name, value] of Object.entries(limits)) expect(Number.isInteger(value) && value > 0, `${kind}.${name} = ${value}`).toBe(true);
    }
  });

  it('el cgroup y RLIMIT_AS dejan sitio sobre el heap de V8: la memoria la corta Node con su mensaje, no un SIGKILL', () => {
    const limits = resolveLimits({ memoryMb: 128 });
    expect(treeBudgetOf(limits).memoryMb).toBeGreaterThan(limits.memoryMb);
    expect(processLimitsOf(limits).addressSpaceMb).toBeGreaterThan(limits.memoryMb);
    expect(treeBudgetOf(limits).processes).toBeGreaterThan(limits.processes);
  });

  it('el análisis de un DAG enviado al scheduler aguanta los 50 s que le da Airflow antes de cortarlo nosotros', () => {
    expect(AIRFLOW_PARSE_LIMITS.wallMs).toBeGreaterThan(50_000);
  });
});

describe('el tamaño de una ejecución es el mismo en la petición y en el sandbox', () => {
  it(`${MAX_RUN_BYTES} bytes de código pasan el control de tamaño; uno más es un 413`, async () => {
    // pyspark cannot run yet: past the size check the request ends with a 422, nothing is queued.
    const exact = await startRun(request([{ name: 'job.ts', content: 'x'.repeat(MAX_RUN_BYTES) }], 'pyspark'));
    expect(exact).toMatchObject({ ok: false, status: 422 });
    const over = await startRun(request([{ name: 'job.ts', content: 'x'.repeat(MAX_RUN_BYTES + 1) }], 'pyspark'));
    expect(over).toMatchObject({ ok: false, status: 413 });
    expect(() => validateSnippetFiles([{ name: 'a.ts', content: 'x'.repeat(MAX_RUN_BYTES) }], 'a.ts')).not.toThrow();
    expect(() => validateSnippetFiles([{ name: 'a.ts', content: 'x'.repeat(MAX_RUN_BYTES + 1) }], 'a.ts')).toThrow(SnippetInputError);
  });

  it(`el esquema de la petición y el sandbox admiten los mismos ${MAX_RUN_FILES} archivos, ni uno más`, () => {
    expect(RunRequest.safeParse(request(files(MAX_RUN_FILES))).success).toBe(true);
    expect(RunRequest.safeParse(request(files(MAX_RUN_FILES + 1))).success).toBe(false);
    expect(() => validateSnippetFiles(files(MAX_RUN_FILES), 'f0.ts')).not.toThrow();
    expect(() => validateSnippetFiles(files(MAX_RUN_FILES + 1), 'f0.ts')).toThrow(`Como máximo se pueden ejecutar ${MAX_RUN_FILES} archivos a la vez.`);
  });
});

describe('la parte de Kafka de cada alumno', () => {
  it('cabe al menos un tema con el máximo de particiones, y un segmento abierto no pasa de la retención', () => {
    expect(KAFKA_TOPIC_LIMITS.partitionsPerStudent).toBeGreaterThanOrEqual(KAFKA_TOPIC_LIMITS.partitionsPerTopic);
    expect(KAFKA_TOPIC_LIMITS.maxSegmentBytes).toBeLessThanOrEqual(KAFKA_TOPIC_LIMITS.maxRetentionBytes);
  });
});
