import { describe, expect, it } from 'vitest';
import { RunQueue } from './queue';
import { Run, type RunOwner } from './run';
import type { RunRequest } from './schema';

const request: RunRequest = { lesson: 'kafka/productor', snippet: 'kafka/productor/p', kind: 'kafka-ts', files: [{ name: 'p.ts', content: '' }] };
const student = (id: string): RunOwner => ({ key: `student:${id}`, studentId: id, courseId: 'c' });

/** An executor whose runs end only when the test says so. */
function controllable() {
  const running = new Map<Run, () => void>();
  const execute = (run: Run) => new Promise<void>((resolve) => running.set(run, () => {
    run.emit({ type: 'exit', reason: 'finished', exitCode: 0, durationMs: 1, message: 'ok' });
    running.delete(run);
    resolve();
  }));
  return { running, execute, finish: async (run: Run) => { running.get(run)!(); await new Promise((r) => setTimeout(r, 0)); } };
}

function lastStatus(run: Run): string | undefined {
  let message: string | undefined;
  run.subscribe((e) => {
    if (e.type === 'status') message = e.message;
  });
  return message;
}

describe('la cola de ejecuciones', () => {
  it('cada alumno ejecuta una cosa a la vez; los demás no esperan por él', async () => {
    const { running, execute, finish } = controllable();
    const queue = new RunQueue(execute, { capacity: 2 });
    const a1 = new Run(request, { owner: student('a') });
    const a2 = new Run(request, { owner: student('a') });
    const b1 = new Run(request, { owner: student('b') });
    queue.enqueue(a1);
    queue.enqueue(a2);
    queue.enqueue(b1);
    expect([...running.keys()]).toEqual([a1, b1]);
    expect(lastStatus(a2)).toBe('En cola: 1 (espera a que termine tu otra ejecución)');
    expect(queue.pendingFor('student:a')).toEqual({ waiting: 1, running: 1 });
    await finish(a1);
    expect(running.has(a2)).toBe(true);
  });

  it('el tope global muestra el puesto en la cola («En cola: 2»)', () => {
    const { running, execute } = controllable();
    const queue = new RunQueue(execute, { capacity: 1 });
    const runs = ['a', 'b', 'c'].map((id) => new Run(request, { owner: student(id) }));
    runs.forEach((run) => queue.enqueue(run));
    expect(running.size).toBe(1);
    expect(lastStatus(runs[2]!)).toBe('En cola: 2');
  });

  it('en modo individual no hay límite por alumno, solo el global', () => {
    const { running, execute } = controllable();
    const queue = new RunQueue(execute, { capacity: 3 });
    for (let i = 0; i < 3; i++) queue.enqueue(new Run(request));
    expect(running.size).toBe(3);
  });
});
