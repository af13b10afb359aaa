import { describe, expect, it } from 'vitest';
import { spanishEstimate } from './messages';
import { RunQueue, type RunQueueOptions } from './queue';
import { Run, type RunOwner } from './run';
import type { RunEvent, RunRequest } from './schema';

const request = (snippet = 'kafka/productor/p'): RunRequest => ({ lesson: 'kafka/productor', snippet, kind: 'kafka-ts', files: [{ name: 'p.ts', content: '' }] });
const student = (id: string): RunOwner => ({ key: `student:${id}`, studentId: id, courseId: 'c' });
const runOf = (id: string, snippet?: string) => new Run(request(snippet), { owner: student(id) });

type Status = Extract<RunEvent, { type: 'status' }>;

/** An executor whose runs end only when the test says so, on a clock the test moves. */
function controllable(options: Omit<RunQueueOptions, 'now'> = {}) {
  let clock = 0;
  const started: Run[] = [];
  const running = new Map<Run, () => void>();
  const execute = (run: Run) =>
    new Promise<void>((resolve) => {
      started.push(run);
      running.set(run, () => {
        run.emit({ type: 'exit', reason: 'finished', exitCode: 0, durationMs: 1, message: 'ok' });
        running.delete(run);
        resolve();
      });
    });
  const queue = new RunQueue(execute, { refreshMs: 60_000, ...options, now: () => clock });
  return {
    queue,
    running,
    started,
    tick: (ms: number) => (clock += ms),
    finish: async (run: Run) => {
      running.get(run)!();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

function lastStatus(run: Run): Status | undefined {
  let status: Status | undefined;
  run.subscribe((e) => {
    if (e.type === 'status') status = e;
  });
  return status;
}

describe('la cola de ejecuciones', () => {
  it('cada alumno ejecuta una cosa a la vez; los demás no esperan por él', async () => {
    const { queue, running, finish } = controllable({ capacity: 2 });
    const [a1, a2, b1] = [runOf('a'), runOf('a'), runOf('b')];
    [a1, a2, b1].forEach((run) => queue.enqueue(run));
    expect([...running.keys()]).toEqual([a1, b1]);
    expect(lastStatus(a2)?.message).toMatch(/^En cola: 1 \(espera a que termine tu otra ejecución\) · empieza en /);
    expect(queue.pendingFor('student:a')).toEqual({ waiting: 1, running: 1 });
    await finish(a1);
    expect(running.has(a2)).toBe(true);
  });

  it('por turnos entre alumnos: quien pulsa cinco veces no pasa delante de quien pulsó una', async () => {
    const { queue, started, running, finish } = controllable({ capacity: 1, perOwner: 1 });
    const many = Array.from({ length: 5 }, (_, i) => runOf('a', `kafka/productor/p${i}`));
    many.forEach((run) => queue.enqueue(run));
    const b = runOf('b');
    queue.enqueue(b);
    expect(lastStatus(b)).toMatchObject({ state: 'queued', position: 1 });
    expect(lastStatus(many[4]!)).toMatchObject({ position: 5 });
    await finish(many[0]!);
    expect(started).toEqual([many[0], b]); // b's turn comes before a's second run
    const c = runOf('c');
    queue.enqueue(c); // arrives later, but has not been served yet: next after b
    await finish(b);
    expect(started.at(-1)).toBe(c);
    await finish(c);
    expect(started.at(-1)).toBe(many[1]);
    expect(running.size).toBe(1);
  });

  it('el tope global muestra el puesto en la cola y una espera estimada', () => {
    const { queue, running } = controllable({ capacity: 1, expectedMs: () => 10_000 });
    const runs = ['a', 'b', 'c'].map((id) => runOf(id));
    runs.forEach((run) => queue.enqueue(run));
    expect(running.size).toBe(1);
    expect(lastStatus(runs[1]!)).toMatchObject({ position: 1, waitMs: 10_000, message: 'En cola: 1 · empieza en unos 10 s' });
    expect(lastStatus(runs[2]!)).toMatchObject({ position: 2, waitMs: 20_000, message: 'En cola: 2 · empieza en unos 20 s' });
  });

  it('la estimación aprende de lo que tardan las ejecuciones del mismo ejemplo y baja con el tiempo', async () => {
    const { queue, tick, finish, running } = controllable({ capacity: 1, expectedMs: () => 5_000 });
    const first = runOf('a');
    queue.enqueue(first);
    tick(40_000);
    await finish(first); // this example takes 40 s
    const [x, y] = [runOf('b'), runOf('c')];
    queue.enqueue(x);
    queue.enqueue(y);
    expect(running.has(x)).toBe(true);
    expect(lastStatus(y)).toMatchObject({ waitMs: 40_000 });
    tick(15_000);
    queue.enqueue(runOf('d')); // any change refreshes every estimate
    expect(lastStatus(y)).toMatchObject({ waitMs: 25_000, message: 'En cola: 1 · empieza en unos 25 s' });
  });

  it('una ejecución que ya pasó de lo esperado se cuenta como a punto de terminar, no como terminada', () => {
    const { queue, tick } = controllable({ capacity: 1, expectedMs: () => 3_000 });
    queue.enqueue(runOf('a'));
    tick(60_000);
    const b = runOf('b');
    queue.enqueue(b);
    expect(lastStatus(b)).toMatchObject({ position: 1, waitMs: 2_000, message: 'En cola: 1 · empieza en menos de 5 s' });
  });

  it('detener una ejecución en cola la saca y los de detrás avanzan', () => {
    const { queue } = controllable({ capacity: 1, expectedMs: () => 10_000 });
    const [a, b, c] = ['a', 'b', 'c'].map((id) => runOf(id)) as [Run, Run, Run];
    [a, b, c].forEach((run) => queue.enqueue(run));
    b.stop();
    expect(b.state).toBe('ended');
    expect(lastStatus(c)).toMatchObject({ position: 1, waitMs: 10_000 });
    expect(queue.length).toBe(1);
  });

  it('en modo individual no hay límite por alumno, solo el global', () => {
    const { queue, running } = controllable({ capacity: 3 });
    for (let i = 0; i < 3; i++) queue.enqueue(new Run(request()));
    expect(running.size).toBe(3);
  });
});

describe('la espera en palabras', () => {
  it('redondea hacia arriba a 5 s y luego al minuto', () => {
    expect([1_000, 5_000, 11_000, 59_000, 80_000, 150_000].map(spanishEstimate)).toEqual([
      'menos de 5 s',
      'unos 5 s',
      'unos 15 s',
      'unos 60 s',
      'alrededor de 1 min',
      'unos 3 min',
    ]);
  });

  it('cada tipo tiene sus plazas: dos consumidores esperando mensajes no retienen las del DAG, y la espera estimada es la de su tipo', async () => {
    const dagRun = (id: string) =>
      new Run(
        { lesson: 'airflow/definicion-workflow', snippet: 'airflow/definicion-workflow/d', kind: 'airflow-dag', files: [{ name: 'd.py', content: '' }] },
        { owner: student(id) },
      );
    const kafka = { key: 'kafka-ts', capacity: 2 };
    const dag = { key: 'airflow-dag', capacity: 1 };
    const { queue, running } = controllable({
      capacity: 3,
      lane: (run) => (run.request.kind === 'airflow-dag' ? dag : kafka),
      expectedMs: (run) => (run.request.kind === 'airflow-dag' ? 3_000 : 30_000),
    });
    const [c1, c2, c3, d1, d2] = [runOf('a'), runOf('b'), runOf('c'), dagRun('d'), dagRun('e')];
    [c1, c2, c3, d1, d2].forEach((run) => queue.enqueue(run));
    expect([...running.keys()]).toEqual([c1, c2, d1]); // the DAG did not wait behind the third consumer
    expect(lastStatus(d2)).toMatchObject({ position: expect.any(Number), waitMs: 3_000 }); // behind the DAG, not behind 30 s consumers
    expect(lastStatus(c3)).toMatchObject({ waitMs: 30_000 });
  });
});
