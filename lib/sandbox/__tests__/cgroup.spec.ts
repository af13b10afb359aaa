/**
 * Each run's cgroup carries its kind's CPU weight (lib/limits.ts CPU_WEIGHT), so that in a
 * burst the short kafka-ts runs are not starved by CPU-bound DAG workers. Real cgroups: needs
 * root, as the server does.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CPU_WEIGHT, DEFAULT_KAFKA_TS_LIMITS, treeBudgetOf } from '@/lib/limits';
import { cgroupLayout, runCgroup } from '../cgroup';
import { assertSandboxPrerequisites } from './prerequisites';

const UID = 61_190; // away from the server's 61000+ and the other specs' slots

/** The weight a run's cgroup ends up with, read back from the kernel's files. */
async function weightOf(procs: readonly string[]): Promise<{ v1Shares?: number; v2Weight?: number }> {
  for (const file of procs) {
    const dir = path.dirname(file);
    const shares = await readFile(path.join(dir, 'cpu.shares'), 'utf8').catch(() => undefined);
    if (shares !== undefined) return { v1Shares: Number(shares) };
    const weight = await readFile(path.join(dir, 'cpu.weight'), 'utf8').catch(() => undefined);
    if (weight !== undefined) return { v2Weight: Number(weight) };
  }
  throw new Error(`Ninguno de los cgroups de la ejecución tiene cpu.shares ni cpu.weight: ${procs.join(', ')}. El host no delega el controlador cpu.`);
}

describe('reparto de la CPU entre ejecuciones', () => {
  it('una ejecución kafka-ts pesa 8 veces más que un trabajador de DAG cuando compiten por los núcleos', async () => {
    assertSandboxPrerequisites();
    const layout = await cgroupLayout();
    if (!layout) throw new Error('Este host no tiene cgroups escribibles: las ejecuciones no tendrían presupuesto ni reparto de CPU.');

    const interactive = await runCgroup(UID, treeBudgetOf(DEFAULT_KAFKA_TS_LIMITS));
    const first = await weightOf(interactive!.procs);
    const batch = await runCgroup(UID, { memoryMb: 256, processes: 16, cpuWeight: CPU_WEIGHT.batch });
    const second = await weightOf(batch!.procs);

    if (first.v1Shares !== undefined) {
      expect(first.v1Shares).toBe((CPU_WEIGHT.interactive * 1024) / 100);
      expect(second.v1Shares).toBe((CPU_WEIGHT.batch * 1024) / 100);
    } else {
      expect(first.v2Weight).toBe(CPU_WEIGHT.interactive);
      expect(second.v2Weight).toBe(CPU_WEIGHT.batch);
    }
    expect(CPU_WEIGHT.interactive / CPU_WEIGHT.batch).toBe(8);
  });
});
