import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor, type SupervisedService } from './supervisor';

type Exit = { expected: boolean; code: number | null; signal: string | null };

/** A service whose crashes the test triggers by hand. */
class FakeService extends EventEmitter<{ exit: [Exit] }> implements SupervisedService {
  readonly displayName = 'Kafka';
  starts = 0;
  failNextStarts = 0;
  running = false;

  async start(): Promise<void> {
    this.starts += 1;
    if (this.failNextStarts > 0) {
      this.failNextStarts -= 1;
      throw new Error('puerto ocupado');
    }
    this.running = true;
  }
  async waitHealthy(): Promise<void> {}
  async stop(): Promise<void> {
    if (this.running) this.emit('exit', { expected: true, code: 0, signal: null });
    this.running = false;
  }
  crash(): void {
    this.running = false;
    this.emit('exit', { expected: false, code: null, signal: 'SIGKILL' });
  }
}

describe('Supervisor', () => {
  let service: FakeService;
  let log: string[];
  let supervisor: Supervisor;

  beforeEach(() => {
    vi.useFakeTimers();
    service = new FakeService();
    log = [];
    supervisor = new Supervisor(service, { log: (line) => log.push(line) });
  });
  afterEach(() => vi.useRealTimers());

  it('reinicia tras una caída con esperas de 1 s, 2 s, 4 s… hasta 30 s', async () => {
    await supervisor.start();
    const delays: number[] = [];
    supervisor.on('restarting', (delay) => delays.push(delay));
    for (let crash = 0; crash < 7; crash += 1) {
      service.crash();
      await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(service.starts).toBe(8);
    expect(log[0]).toBe('Kafka se detuvo inesperadamente (SIGKILL); reiniciando en 1 s…');
    expect(log).toContain('Kafka vuelve a estar disponible.');
  });

  it('vuelve a esperar 1 s si el servicio aguantó 60 s arriba', async () => {
    await supervisor.start();
    const delays: number[] = [];
    supervisor.on('restarting', (delay) => delays.push(delay));
    service.crash();
    await vi.advanceTimersByTimeAsync(1_000);
    service.crash();
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.advanceTimersByTimeAsync(60_000);
    service.crash();
    expect(delays).toEqual([1_000, 2_000, 1_000]);
  });

  it('sigue intentándolo si el reinicio falla, alargando la espera', async () => {
    await supervisor.start();
    service.failNextStarts = 2;
    service.crash();
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000);
    expect(service.starts).toBe(4);
    expect(service.running).toBe(true);
    expect(log[1]).toBe('Kafka no pudo arrancar (puerto ocupado); reiniciando en 2 s…');
  });

  it('no reinicia lo que se detuvo a propósito', async () => {
    await supervisor.start();
    await supervisor.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(service.starts).toBe(1);
    expect(log).toEqual([]);
  });

  it('con maxRestarts deja de intentarlo tras esos reinicios seguidos y lo avisa', async () => {
    supervisor = new Supervisor(service, { log: (line) => log.push(line), maxRestarts: 2 });
    const gaveUp: string[] = [];
    supervisor.on('gaveUp', (reason) => gaveUp.push(reason));
    await supervisor.start();
    service.failNextStarts = 10;
    service.crash();
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 60_000);
    expect(service.starts).toBe(3);
    expect(gaveUp).toEqual(['Kafka no pudo arrancar (puerto ocupado)']);
    expect(log.at(-1)).toBe('Kafka no pudo arrancar (puerto ocupado); tras 2 reinicios seguidos sin mantenerse en marcha, no se vuelve a intentar.');
  });

  it('un fallo en el primer arranque llega a quien llamó', async () => {
    service.failNextStarts = 1;
    await expect(supervisor.start()).rejects.toThrow('puerto ocupado');
  });
});
