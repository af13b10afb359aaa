/** The queue lets through as many runs as there are sandbox uid slots, from one setting. */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('cuántas ejecuciones corren a la vez', () => {
  it('CAUCE_MAX_CONCURRENT_RUNS fija a la vez el tope de la cola y las plazas del sandbox', async () => {
    vi.stubEnv('CAUCE_MAX_CONCURRENT_RUNS', '6');
    const { concurrentRuns } = await import('@/lib/env');
    const { defaultSandboxHost } = await import('@/lib/sandbox/host');
    expect(concurrentRuns()).toBe(6);
    expect(defaultSandboxHost().slots.size).toBe(6);
  });

  it('nunca más de 64 plazas (el rango de uids de kafka-ts), aunque se pidan más', async () => {
    vi.stubEnv('CAUCE_MAX_CONCURRENT_RUNS', '500');
    const { concurrentRuns } = await import('@/lib/env');
    expect(concurrentRuns()).toBe(64);
  });
});
