/** The queue lets through as many runs of each kind as there are places for them, from one setting. */
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgetPerProcessValues } from '@/lib/per-process';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
  forgetPerProcessValues();
});

describe('cuántas ejecuciones corren a la vez', () => {
  it('sin ajuste: el doble de núcleos de Kafka (esperan al broker), uno por núcleo de DAG, de terminal y de Spark, con una plaza de sandbox y un trabajador para cada una', async () => {
    vi.stubEnv('CAUCE_MAX_CONCURRENT_RUNS', '');
    vi.stubEnv('CAUCE_AIRFLOW_POOL_SIZE', '');
    const cores = os.availableParallelism();
    const { runCapacity } = await import('@/lib/env');
    const { defaultSandboxHost } = await import('@/lib/sandbox/host');
    const { DagWorkerPool } = await import('@/lib/runs/airflow/pool');
    expect(runCapacity()).toEqual({ total: 5 * cores, kafkaTs: 2 * cores, airflowDag: cores, shell: cores, pyspark: cores });
    expect(defaultSandboxHost().slots.size).toBe(2 * cores);
    expect(new DagWorkerPool().size).toBe(cores);
  });

  it('CAUCE_MAX_CONCURRENT_RUNS limita a la vez el total, cada tipo y las plazas del sandbox', async () => {
    vi.stubEnv('CAUCE_MAX_CONCURRENT_RUNS', '1');
    const { runCapacity } = await import('@/lib/env');
    const { defaultSandboxHost } = await import('@/lib/sandbox/host');
    expect(runCapacity()).toEqual({ total: 1, kafkaTs: 1, airflowDag: 1, shell: 1, pyspark: 1 });
    expect(defaultSandboxHost().slots.size).toBe(1);
  });

  it('nunca más de 64 plazas (el rango de uids de kafka-ts), aunque se pidan más', async () => {
    vi.stubEnv('CAUCE_MAX_CONCURRENT_RUNS', '500');
    const { runCapacity } = await import('@/lib/env');
    expect(runCapacity().kafkaTs).toBe(64);
  });
});
