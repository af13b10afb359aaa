/**
 * Provisioning on joining a course, without a broker: a tenant admin whose JVM cannot start
 * fails the way a down lab does, and the join must not notice.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantAdmin } from '@/lab/kafka/tenants';
import { provisionJoinedStudent } from './kafka-tenants';

const admin = { mechanism: 'scram-sha-512', username: 'admin', password: 'secreto-de-prueba' } as const;

afterEach(() => vi.restoreAllMocks());

describe('alta en Kafka al unirse al curso', () => {
  it('el alumno que se une queda dado de alta en segundo plano, sin que nadie lo espere', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const ensureStudent = vi.fn(() => Promise.resolve({ sasl: { ...admin, username: 'alumno-3f2a9c' }, prefix: '3f2a9c.' }));
    expect(provisionJoinedStudent('3f2a9c', () => ({ ensureStudent }))).toBeUndefined();
    expect(ensureStudent).toHaveBeenCalledWith('3f2a9c');
    await ensureStudent.mock.results[0]?.value;
    expect(errors).not.toHaveBeenCalled();
  });

  it('si el alta falla, solo queda en el registro y la primera ejecución del alumno lo vuelve a intentar', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // The JVM cannot even be compiled: ensureStudent rejects, as with a lab that is down.
    const tenants = new TenantAdmin({ brokers: ['127.0.0.1:9'], admin, libsDir: '/no/existe/libs', javaSource: '/no/existe/TenantAdmin.java' });
    const ensure = vi.spyOn(tenants, 'ensureStudent');
    provisionJoinedStudent('3f2a9c', () => tenants);
    await vi.waitFor(() => expect(errors).toHaveBeenCalledTimes(1));
    expect(errors.mock.calls[0]?.[0]).toMatch(/could not provision a student who joined/);
    const background = ensure.mock.results[0]?.value as Promise<unknown>;

    // The first run asks again and gets a new attempt, not the failure kept from the join.
    const firstRun = tenants.ensureStudent('3f2a9c');
    expect(firstRun).not.toBe(background);
    await expect(firstRun).rejects.toThrow(/no such file|ENOENT/);
    tenants.close();
  });

  it('una configuración del laboratorio que falla al instante tampoco impide unirse', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() =>
      provisionJoinedStudent('3f2a9c', () => {
        throw new Error('KAFKA_BROKERS mal escrito');
      }),
    ).not.toThrow();
    expect(errors).toHaveBeenCalledTimes(1);
  });
});
