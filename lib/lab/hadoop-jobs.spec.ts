/** The job gateway's admission: how many job clients (JVMs on the lab's side) may run at once. */
import { describe, expect, it } from 'vitest';
import { HADOOP_JOBS_IN_FLIGHT } from '@/lib/limits';
import { JobSlots } from './hadoop-jobs';

describe('trabajos de MapReduce en marcha a la vez', () => {
  it('uno por ejecución y pocos en todo el laboratorio; al terminar, el hueco vuelve', () => {
    expect(HADOOP_JOBS_IN_FLIGHT).toEqual({ perRun: 1, total: 2 });
    const slots = new JobSlots({ perRun: 1, total: 2 });
    const ana = slots.take('ana');
    expect(ana).toHaveProperty('release');
    expect(slots.take('ana')).toEqual({ refused: 'Ya tienes un trabajo de MapReduce en marcha: espera a que termine.' });
    const bea = slots.take('bea');
    expect(bea).toHaveProperty('release');
    expect(slots.take('carla')).toEqual({ refused: expect.stringMatching(/^El laboratorio ya está ejecutando todos los trabajos de MapReduce/) });
    if ('release' in ana) {
      ana.release();
      ana.release(); // twice is once
    }
    expect(slots.take('carla')).toHaveProperty('release');
    expect(slots.take('ana')).toHaveProperty('refused'); // the lab is full again: bea and carla
    if ('release' in bea) bea.release();
    expect(slots.take('ana')).toHaveProperty('release');
  });
});
