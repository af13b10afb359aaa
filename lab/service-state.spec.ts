/**
 * The launcher's record of its services (services.json): what the badge reads to say
 * «reiniciando», and what explains a run that failed because its service restarted under it.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readServiceStates, ServiceStateWriter, wasDownBetween, type ServiceState } from './service-state';
import type { Supervisor } from './supervisor';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cauce-services-'));
  file = join(dir, 'services.json');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(1_000_000);
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('ServiceStateWriter.set', () => {
  it('un reinicio que vuelve a fallar es la misma caída: conserva el primer «desde»', () => {
    const writer = new ServiceStateWriter(file);
    writer.set('kafka', 'running');
    vi.setSystemTime(2_000_000);
    writer.set('kafka', 'restarting', 'Kafka se detuvo inesperadamente (SIGKILL)');
    vi.setSystemTime(2_030_000);
    writer.set('kafka', 'restarting', 'Kafka no arrancó en 90 s');
    expect(readServiceStates(file).kafka).toEqual({ state: 'restarting', since: 2_000_000, reason: 'Kafka no arrancó en 90 s', launcherPid: process.pid });
  });

  it('al volver, guarda la caída entera en lastOutage y deja de dar un motivo', () => {
    const writer = new ServiceStateWriter(file);
    writer.set('kafka', 'running');
    vi.setSystemTime(2_000_000);
    writer.set('kafka', 'restarting', 'Kafka se detuvo inesperadamente (SIGKILL)');
    vi.setSystemTime(2_030_000);
    writer.set('kafka', 'restarting');
    vi.setSystemTime(2_045_000);
    writer.set('kafka', 'running');
    expect(readServiceStates(file).kafka).toEqual({ state: 'running', since: 2_045_000, lastOutage: { from: 2_000_000, to: 2_045_000 }, launcherPid: process.pid });
  });

  it('cada servicio lleva su estado: reiniciar Airflow no toca el de Kafka', () => {
    const writer = new ServiceStateWriter(file);
    writer.set('kafka', 'running');
    vi.setSystemTime(2_000_000);
    writer.set('airflow', 'gave-up', 'Airflow se detuvo 5 veces seguidas');
    expect(readServiceStates(file)).toEqual({
      kafka: { state: 'running', since: 1_000_000, launcherPid: process.pid },
      airflow: { state: 'gave-up', since: 2_000_000, reason: 'Airflow se detuvo 5 veces seguidas', launcherPid: process.pid },
    });
  });

  it('sigue a un supervisor: reiniciando, de nuevo en marcha, o se rinde', () => {
    const writer = new ServiceStateWriter(file);
    const supervisor = new EventEmitter();
    writer.follow('airflow', supervisor as unknown as Supervisor);
    supervisor.emit('healthy');
    expect(readServiceStates(file).airflow?.state).toBe('running');
    supervisor.emit('restarting', 1_000, 'Airflow se detuvo inesperadamente');
    expect(readServiceStates(file).airflow).toMatchObject({ state: 'restarting', reason: 'Airflow se detuvo inesperadamente' });
    supervisor.emit('gaveUp', 'Airflow no arrancó');
    expect(readServiceStates(file).airflow).toMatchObject({ state: 'gave-up', reason: 'Airflow no arrancó' });
  });
});

describe('readServiceStates', () => {
  it('sin archivo, o con uno ilegible, no sabe nada y no lanza', () => {
    expect(readServiceStates(file)).toEqual({});
    writeFileSync(file, '{"kafka": {"state": "roto"');
    expect(readServiceStates(file)).toEqual({});
    writeFileSync(file, JSON.stringify({ kafka: { state: 'dormido', since: 1 } }));
    expect(readServiceStates(file)).toEqual({});
  });
});

describe('wasDownBetween', () => {
  const running: ServiceState = { state: 'running', since: 5_000, lastOutage: { from: 2_000, to: 3_000 } };

  it('en marcha: cuenta la última caída solo si se cruza con el intervalo', () => {
    expect(wasDownBetween(running, 1_000, 2_500)).toBe(true); // the run began before it fell
    expect(wasDownBetween(running, 2_500, 2_600)).toBe(true); // entirely inside the outage
    expect(wasDownBetween(running, 2_900, 4_000)).toBe(true); // it came back during the run
    expect(wasDownBetween(running, 3_500, 4_000)).toBe(false); // after it came back
    expect(wasDownBetween(running, 500, 1_500)).toBe(false); // before it fell
    expect(wasDownBetween({ state: 'running', since: 5_000 }, 0, 10_000)).toBe(false); // never fell
  });

  it('caído ahora (reiniciando, arrancando o rendido): cuenta si ya lo estaba antes de que acabe el intervalo', () => {
    for (const state of ['restarting', 'starting', 'gave-up'] as const) {
      expect(wasDownBetween({ state, since: 2_000 }, 1_000, 3_000)).toBe(true);
      expect(wasDownBetween({ state, since: 2_000 }, 2_500, 3_000)).toBe(true);
      expect(wasDownBetween({ state, since: 4_000 }, 1_000, 3_000)).toBe(false);
    }
  });

  it('detenido a propósito, o sin datos del lanzador: no cuenta como caída', () => {
    expect(wasDownBetween({ state: 'stopped', since: 2_000 }, 1_000, 3_000)).toBe(false);
    expect(wasDownBetween(undefined, 1_000, 3_000)).toBe(false);
  });
});

describe('el archivo de un lanzador que ya no existe', () => {
  it('no cuenta: un lanzador matado no deja «reiniciando» para siempre', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cauce-service-state-dead-'));
    try {
      const file = join(dir, 'services.json');
      new ServiceStateWriter(file).set('kafka', 'restarting', 'Kafka se detuvo inesperadamente (SIGKILL)');
      expect(readServiceStates(file).kafka?.state).toBe('restarting'); // this process wrote it: alive
      const stale = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { launcherPid: number }>;
      stale.kafka!.launcherPid = 2 ** 22 + 1; // above pid_max's default: no such process
      writeFileSync(file, JSON.stringify(stale));
      expect(readServiceStates(file)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
