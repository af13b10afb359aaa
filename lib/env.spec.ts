import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { siteMode } from '@/lib/auth/mode';
import { DECLARED_ENV, envVar, resetServerEnv, serverEnv } from '@/lib/env';

afterEach(() => {
  vi.unstubAllEnvs();
  resetServerEnv();
});

describe('variables de entorno', () => {
  it('el modo curso se lee en cada petición: cambiarlo no pide reiniciar el servidor', () => {
    vi.stubEnv('CAUCE_MODE', 'course');
    expect(siteMode()).toBe('course');
    vi.stubEnv('CAUCE_MODE', '');
    expect(siteMode()).toBe('single');
    expect(siteMode({ CAUCE_MODE: 'course' })).toBe('course');
  });

  it('un número vacío es «sin definir» (vale el valor por defecto), uno mal escrito se rechaza nombrando la variable', () => {
    expect(envVar('CAUCE_KAFKA_PORT', { CAUCE_KAFKA_PORT: '' })).toBeUndefined();
    expect(envVar('CAUCE_KAFKA_PORT', { CAUCE_KAFKA_PORT: '19092' })).toBe(19092);
    expect(() => envVar('CAUCE_KAFKA_PORT', { CAUCE_KAFKA_PORT: 'nueve' })).toThrow(/La variable de entorno CAUCE_KAFKA_PORT no es válida/);
    expect(() => envVar('CAUCE_AIRFLOW_MODE', { CAUCE_AIRFLOW_MODE: 'remoto' })).toThrow(/CAUCE_AIRFLOW_MODE/);
  });

  it('la configuración del servidor se lee una vez; resetServerEnv la vuelve a leer', () => {
    vi.stubEnv('CAUCE_RUNS_PER_MINUTE', '7');
    expect(serverEnv().CAUCE_RUNS_PER_MINUTE).toBe(7);
    vi.stubEnv('CAUCE_RUNS_PER_MINUTE', '9');
    expect(serverEnv().CAUCE_RUNS_PER_MINUTE).toBe(7);
    resetServerEnv();
    expect(serverEnv().CAUCE_RUNS_PER_MINUTE).toBe(9);
  });

  it('lo que leen en crudo los archivos de JavaScript plano (la puerta y serve-next.mjs) está declarado en lib/env.ts', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const read = ['lib/http/front-door.mjs', 'scripts/serve-next.mjs'].flatMap((file) =>
      [...readFileSync(path.join(root, file), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
    );
    const written = new Set(['NODE_ENV']); // serve-next.mjs sets it for Next, it does not read it
    const names = [...new Set(read)].filter((name) => !written.has(name));
    expect(names).toEqual(expect.arrayContaining(['CAUCE_ALLOWED_HOSTS', 'CAUCE_HOST', 'PORT']));
    expect(names.filter((name) => !DECLARED_ENV.includes(name))).toEqual([]);
  });
});
