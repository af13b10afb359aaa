/** One error hierarchy: every failure Cauce explains is a CauceError, and the page shows only those. */
import { describe, expect, it, vi } from 'vitest';
import { BrokerUnavailableError, LabError, PortInUseError } from '@/lab/errors';
import { TenantAdminError } from '@/lab/kafka/tenants';
import { CauceError, studentMessage } from '@/lib/errors';
import { BodyTooLargeError } from '@/lib/http/body';
import { executeAirflowDag } from '@/lib/runs/airflow/dag';
import { AIRFLOW_MESSAGES } from '@/lib/runs/airflow/messages';
import { DagPoolBusyError, type DagWorkerPool } from '@/lib/runs/airflow/pool';
import { SchedulerError } from '@/lib/lab/airflow-api';
import { Run } from '@/lib/runs/run';
import type { RunEvent } from '@/lib/runs/schema';
import { SandboxBusyError, SandboxError, SnippetInputError } from '@/lib/sandbox';

describe('una sola jerarquía de errores', () => {
  it('los del laboratorio y los del sandbox son CauceError, con retriable por valor', () => {
    const cases: Array<[CauceError, boolean]> = [
      [new LabError('El laboratorio no arrancó.'), false],
      [new PortInUseError('El puerto 9092 está ocupado.'), false],
      [new BrokerUnavailableError('Kafka no responde.'), true],
      [new TenantAdminError('El administrador de Kafka no respondió a tiempo.'), true],
      [new SandboxError('No se pudo ejecutar.'), false],
      [new SnippetInputError('No hay código que ejecutar.'), false],
      [new SandboxBusyError(), true],
      [new DagPoolBusyError(), true],
      [new SchedulerError('Airflow no responde.', { retriable: true }), true],
      [new BodyTooLargeError(1024, 0), false],
    ];
    for (const [error, retriable] of cases) {
      expect(error, error.name).toBeInstanceOf(CauceError);
      expect(error.retriable, error.name).toBe(retriable);
      expect(error.name).toBe(error.constructor.name); // logs say which one
    }
    expect(new LabError('x')).not.toBeInstanceOf(SandboxError);
  });

  it('cause guarda el error técnico sin que llegue al mensaje', () => {
    const cause = new Error('ECONNREFUSED 127.0.0.1:8080');
    const error = new SchedulerError('Airflow no responde. Vuelve a intentarlo en un momento.', { retriable: true, cause });
    expect(error.cause).toBe(cause);
    expect(studentMessage(error, 'genérico')).toBe('Airflow no responde. Vuelve a intentarlo en un momento.');
  });

  it('a un alumno le llega el mensaje de un CauceError; de cualquier otro error, solo la frase genérica', () => {
    expect(studentMessage(new SandboxBusyError(), 'genérico')).toMatch(/^El laboratorio está ocupado/);
    expect(studentMessage(new Error('ENOENT: /srv/cauce/.lab/airflow/venv/bin/python'), 'genérico')).toBe('genérico');
    expect(studentMessage('texto suelto', 'genérico')).toBe('genérico');
  });
});

describe('«Ejecutar» un DAG cuando no hay worker', () => {
  const request = { lesson: 'airflow/dag', snippet: 'airflow/dag/x', kind: 'airflow-dag' as const, files: [{ name: 'mi_dag.py', content: 'print(1)\n' }] };

  async function exitWhenTakeFails(error: unknown): Promise<Extract<RunEvent, { type: 'exit' }>> {
    const pool = { take: () => Promise.reject(error), limits: {} } as unknown as DagWorkerPool;
    const run = new Run(request);
    const events: RunEvent[] = [];
    run.subscribe((event) => events.push(event));
    await executeAirflowDag(run, pool);
    const exit = events.find((event) => event.type === 'exit');
    if (exit?.type !== 'exit') throw new Error('the run did not end');
    return exit;
  }

  it('el grupo ocupado lo dice él mismo, en español', async () => {
    const exit = await exitWhenTakeFails(new DagPoolBusyError());
    expect(exit).toMatchObject({ reason: 'lab-unavailable', message: new DagPoolBusyError().message });
  });

  it('un fallo inesperado del servidor no enseña su texto: el alumno lee la frase de laboratorio no disponible', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const exit = await exitWhenTakeFails(new Error('Airflow lab not prepared: missing /srv/cauce/.lab/airflow/venv/bin/python'));
    expect(exit).toMatchObject({ reason: 'lab-unavailable', message: AIRFLOW_MESSAGES.labUnavailable });
    expect(log).toHaveBeenCalledOnce(); // the detail goes to the server log instead
    log.mockRestore();
  });
});
