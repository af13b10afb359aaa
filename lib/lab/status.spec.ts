/**
 * The lab status a run starts on (unit: the health checks stubbed). A click must not wait for a
 * new SCRAM check while a recent one said the brokers were fine; the badge keeps its own pace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceStateWriter } from '@/lab/service-state';
import { forgetPerProcessValues } from '@/lib/per-process';

const checkKafka = vi.fn();
vi.mock('@/lab/kafka/health', () => ({ checkKafka: (...args: unknown[]) => checkKafka(...args) }));
vi.mock('@/lab/airflow/health', () => ({ checkAirflow: async () => ({ ok: true }) }));

const good = { ok: true, brokers: 1, addresses: ['127.0.0.1:9092'] };
const refused = { ok: false, brokers: 0, error: 'Kafka no acepta conexiones en 127.0.0.1:9092 (¿está arrancando o detenido?)' };
const never = () => new Promise(() => undefined);

// Every test gets its own lab dir, so none reads the developer's .lab/services.json.
let labDir: string;
const savedEnv = { CAUCE_LAB_DIR: process.env.CAUCE_LAB_DIR, CAUCE_LAB_MODE: process.env.CAUCE_LAB_MODE };
beforeEach(() => {
  labDir = mkdtempSync(join(tmpdir(), 'cauce-status-'));
  process.env.CAUCE_LAB_DIR = labDir;
});
afterEach(() => {
  rmSync(labDir, { recursive: true, force: true });
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

async function freshModule() {
  vi.resetModules();
  forgetPerProcessValues();
  return import('./status');
}

describe('el estado del laboratorio con el que empieza una ejecución', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    checkKafka.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  it('con una comprobación buena de hace 10 s, la ejecución no espera a la siguiente (que corre aparte)', async () => {
    const { labStatus, labStatusForRun } = await freshModule();
    checkKafka.mockResolvedValueOnce(good);
    await labStatus();
    await Promise.resolve(); // the good status is remembered once it resolved
    vi.setSystemTime(Date.now() + 10_000);
    checkKafka.mockImplementationOnce(never); // a busy machine: the next check takes forever
    const status = await labStatusForRun();
    expect(status.kafka.ok).toBe(true);
    expect(checkKafka).toHaveBeenCalledTimes(2); // the badge's check started anyway
  });

  it('sin una comprobación buena reciente, la ejecución espera a la suya', async () => {
    const { labStatus, labStatusForRun } = await freshModule();
    checkKafka.mockResolvedValueOnce(good);
    await labStatus();
    vi.setSystemTime(Date.now() + 60_000);
    checkKafka.mockResolvedValueOnce({ ok: false, brokers: 0, error: 'Conexión rechazada' });
    expect((await labStatusForRun()).kafka).toMatchObject({ ok: false, error: 'Conexión rechazada' });
  });

  it('una comprobación que falló no cuenta como buena', async () => {
    const { labStatus, labStatusForRun } = await freshModule();
    checkKafka.mockResolvedValueOnce({ ok: false, brokers: 0, error: 'Conexión rechazada' });
    await labStatus();
    vi.setSystemTime(Date.now() + 3_000);
    checkKafka.mockResolvedValueOnce(good);
    expect((await labStatusForRun()).kafka.ok).toBe(true);
    expect(checkKafka).toHaveBeenCalledTimes(2);
  });
});

describe('el estado del laboratorio con lo que dice el lanzador de sus servicios', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    checkKafka.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  /** The launcher saw Kafka die 12 s ago and is bringing it back. */
  function kafkaRestarting(): number {
    const writer = new ServiceStateWriter(join(labDir, 'services.json'));
    writer.set('kafka', 'running');
    const diedAt = Date.now();
    writer.set('kafka', 'restarting', 'Kafka se detuvo inesperadamente (SIGKILL)');
    vi.setSystemTime(diedAt + 12_000);
    return diedAt;
  }

  it('Kafka no responde mientras el lanzador lo reinicia: el estado lo dice, con el motivo y desde cuándo', async () => {
    const diedAt = kafkaRestarting();
    const { labStatus } = await freshModule();
    checkKafka.mockResolvedValueOnce(refused);
    const { kafka, checkedAt } = await labStatus();
    expect(kafka).toMatchObject({ ok: false, error: refused.error });
    expect(kafka.supervisor).toEqual({ state: 'restarting', since: diedAt, reason: 'Kafka se detuvo inesperadamente (SIGKILL)' });
    expect(Date.parse(checkedAt) - kafka.supervisor!.since).toBe(12_000); // the badge's "desde hace 12 s"
  });

  it('si Kafka ya responde, gana la comprobación aunque el archivo aún diga «reiniciando»', async () => {
    kafkaRestarting();
    const { labStatus } = await freshModule();
    checkKafka.mockResolvedValueOnce(good);
    const { kafka } = await labStatus();
    expect(kafka.ok).toBe(true);
    expect(kafka.supervisor).toBeUndefined();
  });

  it('con un Kafka externo, lo que quedó de un laboratorio integrado anterior no cuenta', async () => {
    kafkaRestarting();
    process.env.CAUCE_LAB_MODE = 'external';
    const { labStatus } = await freshModule();
    checkKafka.mockResolvedValueOnce(refused);
    expect((await labStatus()).kafka.supervisor).toBeUndefined();
  });

  it('sin archivo del lanzador (next dev, modo externo), el estado es solo el de la comprobación', async () => {
    const { labStatus } = await freshModule();
    checkKafka.mockResolvedValueOnce(refused);
    const { kafka } = await labStatus();
    expect(kafka).toMatchObject({ ok: false, error: refused.error });
    expect(kafka.supervisor).toBeUndefined();
  });
});
