/**
 * A slow lab probe must not refuse a run: the shared status only colours the badge, and a run
 * ends lab-unavailable only when its own checks of the brokers fail (unit: lab and sandbox stubbed).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from './schema';

const checkKafka = vi.fn();
const runTypeScript = vi.fn();
vi.mock('@/lib/lab/status', () => ({
  // What a busy machine's shared probe says: its 1.5 s ran out.
  labStatusForRun: async () => ({ kafka: { ok: false, brokers: 0, error: 'Tiempo de espera agotado' } }),
}));
vi.mock('@/lab/kafka/health', () => ({ checkKafka: (...args: unknown[]) => checkKafka(...args) }));
vi.mock('@/lib/lab/kafka-tenants', () => ({ kafkaTenants: () => undefined }));
vi.mock('@/lib/sandbox', () => ({ runTypeScript: (...args: unknown[]) => runTypeScript(...args) }));

async function run(snippet = 'kafka/productor/x', content = "console.log('hola')\n"): Promise<RunEvent[]> {
  const { Run } = await import('./run');
  const { executeKafkaSnippet } = await import('./kafka-ts');
  const run = new Run({ lesson: snippet.split('/').slice(0, 2).join('/'), snippet, kind: 'kafka-ts', files: [{ name: 'producer.ts', content }] });
  const events: RunEvent[] = [];
  run.subscribe((e) => events.push(e));
  await executeKafkaSnippet(run);
  return events;
}

describe('cuándo una ejecución de Kafka dice que el laboratorio no está', () => {
  beforeEach(() => {
    checkKafka.mockReset();
    runTypeScript.mockReset();
    runTypeScript.mockImplementation(async (_request: unknown, onOutput: (o: { stream: string; text: string }) => void) => {
      onOutput({ stream: 'stdout', text: 'hola\n' });
      return { reason: 'finished', exitCode: 0, signal: null, durationMs: 5, truncated: false };
    });
  });

  it('el sondeo compartido se agotó pero el broker responde a la ejecución: el programa corre', async () => {
    checkKafka.mockResolvedValueOnce({ ok: false, brokers: 0, error: 'Tiempo de espera agotado' }).mockResolvedValueOnce({ ok: true, brokers: 1, addresses: ['127.0.0.1:9092'] });
    const events = await run();
    expect(checkKafka).toHaveBeenCalledTimes(2);
    expect(events).toContainEqual({ type: 'stdout', text: 'hola' });
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
    // The addresses the run's own check saw are relayed into its sandbox.
    expect(runTypeScript.mock.calls[0]![0]).toMatchObject({ endpoints: expect.arrayContaining(['127.0.0.1:9092']) });
  });

  it('solo si sus propias comprobaciones fallan todas termina «lab-unavailable», sin ejecutar nada', async () => {
    checkKafka.mockResolvedValue({ ok: false, brokers: 0, error: 'Conexión rechazada' });
    const events = await run();
    expect(checkKafka).toHaveBeenCalledTimes(3);
    expect(runTypeScript).not.toHaveBeenCalled();
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'lab-unavailable', message: expect.stringMatching(/laboratorio de Kafka no está disponible/) });
  });

  it('el límite de tiempo sale del ejemplo (un consumidor declarado corre hasta 120 s), no de lo que diga el código', async () => {
    checkKafka.mockResolvedValue({ ok: true, brokers: 1 });
    await run('kafka/consumidor/consumidor-de-mensajes');
    await run('kafka/productor/productor-de-mensajes', '// kafka.consumer( en un comentario no compra tiempo\n');
    expect(runTypeScript.mock.calls.map((call) => (call[0] as { limits: { wallMs: number } }).limits.wallMs)).toEqual([120_000, 30_000]);
  });
});
