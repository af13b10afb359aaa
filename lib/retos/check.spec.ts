/**
 * The Retos' checks on recorded runs (events as the executors emit them) and recorded Kafka
 * states, without a lab: each requirement's Spanish verdict, and the verdicts of runs that went
 * wrong (a missing topic, a stopped run, a timeout, a lab that cannot be read).
 */
import { describe, expect, it } from 'vitest';
import { CauceError } from '@/lib/errors';
import { MY_KAFKA_MESSAGES } from '@/lib/lab/my-kafka/client';
import type { KafkaRecord, RunEvent } from '@/lib/runs/schema';
import { judge, type CheckInput } from './check';
import { findExercise } from './exercises';
import type { KafkaState } from './schema';

const exit = (reason: Extract<RunEvent, { type: 'exit' }>['reason'], message = 'Terminó.'): RunEvent => ({
  type: 'exit',
  reason,
  exitCode: reason === 'finished' ? 0 : null,
  durationMs: 1000,
  message,
});
const produced = (topic: string, partition: number, key: string | null, value = '{}'): RunEvent => ({
  type: 'record',
  record: { direction: 'produced', topic, partition, offset: '0', key, value } satisfies KafkaRecord,
});
const consumed = (topic: string, partition: number, offset: number): RunEvent => ({
  type: 'record',
  record: { direction: 'consumed', topic, partition, offset: String(offset), key: null, value: 'x' },
});

function input(exercise: string, events: RunEvent[]): CheckInput {
  const definition = findExercise(exercise)!;
  return {
    exercise,
    definition,
    runId: 'run-1',
    student: 'ana',
    events,
    request: { lesson: exercise.split('/').slice(0, 2).join('/'), snippet: exercise, kind: definition.kind, files: [{ name: 'a', content: '' }] },
  };
}

const kafka = (state: Omit<KafkaState, 'prefix'>) => async () => ({ prefix: 'ana.', ...state });
const topic = (name: string, ends: number[]) => ({ name, partitions: ends.map((end, partition) => ({ partition, start: 0, end })) });
const requirement = (verdict: Awaited<ReturnType<typeof judge>>, id: string) => verdict.requirements.find((r) => r.id === id)!;

describe('comprobaciones de Kafka', () => {
  it('un tema con 1 partición cuando se pedían 3: el detalle dice lo que hay y lo que se pedía', async () => {
    const events = [
      ...[0, 1, 2].flatMap((i) => [produced('ana.pedidos', 0, `cliente-${i}`), produced('ana.pedidos', 0, `cliente-${i}`), produced('ana.pedidos', 0, `cliente-${i}`)]),
      exit('finished'),
    ];
    const verdict = await judge(input('kafka/productor/claves-fieles', events), kafka({ topics: [topic('pedidos', [9])], groups: [] }));
    expect(verdict.passed).toBe(false);
    expect(verdict.inconclusive).toBe(false);
    expect(requirement(verdict, 'particiones')).toMatchObject({ met: false, detail: 'El tema `pedidos` tiene 1 partición; se pedían 3.' });
    expect(requirement(verdict, 'claves').met).toBe(true);
    expect(requirement(verdict, 'mensajes').met).toBe(true);
    expect(verdict.summary).toBe('Se cumplen 2 de 3 requisitos: revisa los marcados con ✗.');
  });

  it('una clave que cambia de partición, o mensajes sin clave, no cumplen «claves fieles»', async () => {
    const split = await judge(
      input('kafka/productor/claves-fieles', [
        produced('ana.pedidos', 0, 'cliente-0'),
        produced('ana.pedidos', 2, 'cliente-0'),
        produced('ana.pedidos', 1, 'cliente-1'),
        exit('finished'),
      ]),
      kafka({ topics: [topic('pedidos', [1, 1, 1])], groups: [] }),
    );
    expect(requirement(split, 'claves').detail).toBe('La clave «cliente-0» acabó en las particiones 0, 2: una clave debe ir siempre a la misma.');
    const unkeyed = await judge(
      input('kafka/productor/claves-fieles', [produced('ana.pedidos', 0, null), exit('finished')]),
      kafka({ topics: [topic('pedidos', [1, 0, 0])], groups: [] }),
    );
    expect(requirement(unkeyed, 'claves').detail).toMatch(/^1 mensaje se envió sin clave/);
    // Records on another student's topic (or another topic) do not count.
    const elsewhere = await judge(
      input('kafka/productor/claves-fieles', [produced('luis.pedidos', 0, 'x'), exit('finished')]),
      kafka({ topics: [topic('pedidos', [0, 0, 0])], groups: [] }),
    );
    expect(requirement(elsewhere, 'claves').detail).toBe('Tu programa no envió ningún mensaje a `pedidos` en esta ejecución.');
  });

  it('un tema que no existe se explica, no rompe la comprobación', async () => {
    const verdict = await judge(input('kafka/productor/claves-fieles', [exit('finished')]), kafka({ topics: [], groups: [] }));
    expect(verdict.inconclusive).toBe(false);
    expect(requirement(verdict, 'particiones').detail).toBe('No existe ningún tema `pedidos` en tu espacio de Kafka.');
    expect(requirement(verdict, 'mensajes').detail).toBe('No existe ningún tema `pedidos` en tu espacio de Kafka.');
  });

  it('el grupo sin offsets confirmados, con lag, o con un miembro dentro', async () => {
    const events = [...Array.from({ length: 8 }, (_, i) => consumed('ana.lecturas', i % 2, Math.floor(i / 2))), exit('finished')];
    const uncommitted = await judge(
      input('kafka/consumidor/al-dia', events),
      kafka({ topics: [topic('lecturas', [4, 4])], groups: [{ groupId: 'lectores', state: 'Empty', members: 0, partitions: [] }] }),
    );
    expect(requirement(uncommitted, 'lee').met).toBe(true);
    expect(requirement(uncommitted, 'al-dia').detail).toMatch(/^El grupo `lectores` no tiene offset confirmado en 2 particiones de `lecturas`/);
    const lagging = await judge(
      input('kafka/consumidor/al-dia', events),
      kafka({
        topics: [topic('lecturas', [4, 4])],
        groups: [
          {
            groupId: 'lectores',
            state: 'Stable',
            members: 1,
            partitions: [
              { topic: 'lecturas', partition: 0, committed: 4, end: 4, lag: 0 },
              { topic: 'lecturas', partition: 1, committed: 1, end: 4, lag: 3 },
            ],
          },
        ],
      }),
    );
    expect(requirement(lagging, 'al-dia').detail).toBe('El grupo `lectores` tiene un lag de 3 mensajes en `lecturas`; se pedía 0.');
    expect(requirement(lagging, 'sale').detail).toBe('El grupo `lectores` aún tiene 1 miembro: llama a `consumer.disconnect()` al terminar.');
  });
});

describe('comprobaciones de Airflow', () => {
  const dag = (tasks: string[], edges: [string, string][]): RunEvent => ({
    type: 'dag',
    dagId: 'test_print_values',
    tasks: tasks.map((id) => ({ id, operator: 'PythonOperator' })),
    edges,
  });
  const task = (taskId: string, state: 'running' | 'success' | 'failed', at: number): RunEvent => ({ type: 'task', taskId, state, at });
  const ECHOS = ['echo_0', 'echo_1', 'echo_2', 'echo_3', 'echo_4'];

  it('una sexta tarea que falta, y una que corre antes de tiempo', async () => {
    const base = [
      dag(
        ['PRIMERA_TAREA', ...ECHOS, 'TAREA_FINAL'],
        ECHOS.flatMap((e) => [['PRIMERA_TAREA', e] as [string, string], [e, 'TAREA_FINAL'] as [string, string]]),
      ),
    ];
    const missing = await judge(input('airflow/definicion-workflow/sexta-tarea', [...base, exit('finished')]));
    expect(requirement(missing, 'tarea').detail).toMatch(/^El DAG `test_print_values` no tiene ninguna tarea `echo_5`; sus tareas son `PRIMERA_TAREA`/);

    const tasks = ['PRIMERA_TAREA', ...ECHOS, 'echo_5', 'TAREA_FINAL'];
    const edges: [string, string][] = [...ECHOS.map((e) => [e, 'echo_5'] as [string, string]), ['echo_5', 'TAREA_FINAL']];
    const early = [
      dag(tasks, edges),
      ...ECHOS.flatMap((e, i) => [task(e, 'running', 100 + i), task(e, 'success', 500 + i * 100)]),
      task('echo_5', 'running', 700), // before echo_3 and echo_4 ended
      task('echo_5', 'success', 1200),
      task('PRIMERA_TAREA', 'success', 50),
      task('TAREA_FINAL', 'success', 1500),
      exit('finished'),
    ];
    const verdict = await judge(input('airflow/definicion-workflow/sexta-tarea', early));
    expect(requirement(verdict, 'despues').met).toBe(true);
    expect(requirement(verdict, 'orden')).toMatchObject({ met: false, detail: '`echo_5` empezó antes de que terminaran `echo_3`, `echo_4`.' });
    expect(requirement(verdict, 'exito').met).toBe(true);
  });

  it('XCom: una función que imprime pero no retorna, y una suma equivocada', async () => {
    const xcom = (taskId: string, value: string): RunEvent => ({ type: 'xcom', taskId, key: 'return_value', value });
    const none = await judge(input('airflow/definicion-workflow/suma-xcom', [dag(['TAREA_FINAL'], []), exit('finished')]));
    expect(requirement(none, 'devuelven').detail).toBe('`echo_0` no devolvió nada (no hay XCom): `print_value` imprime el número pero no lo retorna.');
    const wrong = await judge(
      input('airflow/definicion-workflow/suma-xcom', [dag(['TAREA_FINAL'], []), ...ECHOS.map((e, i) => xcom(e, String(i))), xcom('TAREA_FINAL', '4'), exit('finished')]),
    );
    expect(requirement(wrong, 'devuelven').met).toBe(true);
    expect(requirement(wrong, 'suma').detail).toBe('`TAREA_FINAL` devolvió 4; se esperaba 10.');
  });

  it('el archivo creado y su tamaño real frente al que devuelve la tarea', async () => {
    const file = (p: string, size: number): RunEvent => ({ type: 'file', path: p, size });
    const other = await judge(input('airflow/definicion-plugin/nombre-archivo', [dag(['targz'], []), file('backups/dags.tar.gz', 900), exit('finished')]));
    expect(requirement(other, 'archivo').detail).toBe('No se creó `backups/copia.tar.gz`; se crearon `backups/dags.tar.gz`.');
    const size = await judge(
      input('airflow/definicion-plugin/informe', [
        dag(['targz', 'informe'], [['targz', 'informe']]),
        file('backups/dags.tar.gz', 900),
        { type: 'xcom', taskId: 'informe', key: 'return_value', value: '12' },
        exit('finished'),
      ]),
    );
    expect(requirement(size, 'tamano').detail).toBe('`informe` devolvió 12, pero `backups/dags.tar.gz` ocupa 900 bytes.');
  });

  it('un DAG que no llegó a cargarse (error de sintaxis) no cuenta como intento, igual que un error de sintaxis en TypeScript', async () => {
    const verdict = await judge(
      input('airflow/postgres-localexecutor/saludo', [{ type: 'diagnostic', file: 'dummy.py', line: 3, column: 1, message: 'Error de sintaxis' }, exit('failed', 'Falló.')]),
    );
    expect(verdict).toMatchObject({ passed: false, inconclusive: true });
    expect(verdict.requirements.every((r) => r.detail === 'El DAG no llegó a cargarse: mira los errores de la salida.')).toBe(true);
    expect(verdict.summary).toBe('Tu DAG no llegó a cargarse (mira el error en la salida): corrígelo y vuelve a pulsar «Ejecutar y comprobar». Este intento no cuenta.');
  });
});

describe('veredictos de ejecuciones que no terminaron bien', () => {
  it('una ejecución detenida o que superó su tiempo se comprueba con lo que llegó a hacer, y lo dice', async () => {
    const stopped = await judge(input('kafka/laboratorio/primer-tema', [exit('stopped', 'Detuviste la ejecución.')]), kafka({ topics: [topic('saludos', [0, 0])], groups: [] }));
    expect(stopped.summary).toBe('Detuviste la ejecución antes de que terminara; se comprobó lo que llegó a hacer. ¡Reto superado! Se cumplen los 2 requisitos.');
    const timeout = await judge(input('kafka/laboratorio/primer-tema', [exit('timeout', 'Se cortó.')]), kafka({ topics: [], groups: [] }));
    expect(timeout.passed).toBe(false);
    expect(timeout.inconclusive).toBe(false);
    expect(timeout.summary).toMatch(/^La ejecución superó su tiempo límite y se cortó/);
  });

  it('el laboratorio caído durante la ejecución, o imposible de leer después: no cuenta como intento', async () => {
    const down = await judge(input('kafka/laboratorio/primer-tema', [exit('lab-unavailable', 'El laboratorio de Kafka no responde.')]), kafka({ topics: [], groups: [] }));
    expect(down).toMatchObject({ passed: false, inconclusive: true });
    expect(down.summary).toBe('No se pudo comprobar: El laboratorio de Kafka no responde. Vuelve a pulsar «Ejecutar y comprobar» en unos segundos; este intento no cuenta.');
    const unreadable = await judge(input('kafka/laboratorio/primer-tema', [exit('finished')]), () => Promise.reject(new CauceError(MY_KAFKA_MESSAGES.unreachable)));
    expect(unreadable).toMatchObject({ passed: false, inconclusive: true });
    expect(unreadable.summary).toBe(
      'No se pudo leer el estado del laboratorio para comprobarlo; este intento no cuenta. El laboratorio de Kafka no responde ahora mismo. Espera unos segundos (el estado aparece arriba) y vuelve a pulsar «Ejecutar y comprobar».',
    );
    expect(unreadable.requirements.every((r) => !r.met)).toBe(true);
  });
});
