/**
 * The lab status a run starts on (unit: the health checks stubbed). A click must not wait for a
 * new SCRAM check while a recent one said the brokers were fine; the badge keeps its own pace.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const checkKafka = vi.fn();
vi.mock('@/lab/kafka/health', () => ({ checkKafka: (...args: unknown[]) => checkKafka(...args) }));
vi.mock('@/lab/airflow/health', () => ({ checkAirflow: async () => ({ ok: true }) }));

const good = { ok: true, brokers: 1, addresses: ['127.0.0.1:9092'] };
const never = () => new Promise(() => undefined);

async function freshModule() {
  vi.resetModules();
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
