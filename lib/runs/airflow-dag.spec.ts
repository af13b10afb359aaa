/**
 * airflow-dag runs against the real warm worker pool: real Airflow 3 in real bubblewrap
 * sandboxes. Needs root (as the server does) and the installed lab
 * (`npx tsx lab/cli.ts prepare-airflow`, which `npm test` runs first).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagWorkerPool } from './airflow-pool';
import { airflowInstallDir } from '@/lib/sandbox/kinds/airflow-worker';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { lessonFile, runDag } from './airflow-test-helpers';
import type { RunEvent } from './schema';

const FIRST_UID = 61_300; // away from the server's pool (61200+) and the kafka-ts sandbox tests (61100+)
const SLOTS = 6;
/** Never skipped: without root, bwrap or the installed lab the suite fails with the reason. */
function assertAirflowLab(): void {
  assertSandboxPrerequisites();
  const installed = path.join(airflowInstallDir(), 'installed');
  if (!existsSync(installed)) throw new Error(`Airflow no está instalado (${installed}): ejecuta npx tsx lab/cli.ts prepare-airflow (npm test lo hace).`);
}

const HEAD = [
  'from datetime import datetime',
  'from airflow.sdk import DAG',
  'from airflow.providers.standard.operators.empty import EmptyOperator',
  'from airflow.providers.standard.operators.python import PythonOperator',
  '',
].join('\n');

/** A DAG with one PythonOperator task "t" whose body is `body` (line 7 is its first line). */
function dagWithTask(body: string): string {
  const indented = body.split('\n').map((line) => `    ${line}`).join('\n');
  return `${HEAD}\ndef work():\n${indented}\n\nwith DAG(dag_id="probe", start_date=datetime(2024, 1, 1), schedule=None):\n    PythonOperator(task_id="t", python_callable=work)\n`;
}

const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
const logsOf = (events: RunEvent[], taskId: string) =>
  of(events, 'log').filter((e) => e.taskId === taskId).map((e) => e.text).join('\n');

describe('DAGs de Airflow en el laboratorio (trabajadores calientes en sandbox)', () => {
  let pool: DagWorkerPool;

  beforeAll(async () => {
    assertAirflowLab();
    pool = new DagWorkerPool({ firstUid: FIRST_UID, slots: SLOTS, root: '/run/cauce-airflow-test', limits: { wallMs: 10_000 } });
    pool.warm();
    (await pool.take()).dispose(); // wait for the first warm-up; proves workers can start at all
  });

  afterAll(async () => {
    await pool?.close();
  });

  it('el alumno ejecuta el DAG mínimo y ve su única tarea terminar bien', async () => {
    const { events, exit } = await runDag(pool, [lessonFile('postgres-localexecutor', 'dummy.py')]);
    expect(of(events, 'dag')[0]).toMatchObject({ dagId: 'example_dummy', tasks: [{ id: 'DOES_NOTHING', operator: 'EmptyOperator' }] });
    expect(of(events, 'task').map((e) => e.state)).toEqual(['queued', 'running', 'success']);
    expect(exit).toMatchObject({ reason: 'finished', message: expect.stringMatching(/terminó correctamente/) });
  });

  it('test_print_values: TAREA_FINAL empieza solo cuando las cinco echo_* han terminado', async () => {
    const { events, exit } = await runDag(pool, [lessonFile('definicion-workflow', 'test_print_values.py')]);
    expect(exit.reason).toBe('finished');
    const dag = of(events, 'dag')[0]!;
    expect(dag.tasks.map((t) => t.id).sort()).toEqual(['PRIMERA_TAREA', 'TAREA_FINAL', 'echo_0', 'echo_1', 'echo_2', 'echo_3', 'echo_4']);
    expect(dag.edges).toHaveLength(10);
    const tasks = of(events, 'task');
    const index = (taskId: string, state: string) => tasks.findIndex((e) => e.taskId === taskId && e.state === state);
    const finalStarts = index('TAREA_FINAL', 'running');
    for (let i = 0; i < 5; i++) {
      expect(index(`echo_${i}`, 'running')).toBeGreaterThan(index('PRIMERA_TAREA', 'success'));
      expect(index(`echo_${i}`, 'success')).toBeLessThan(finalStarts);
      expect(logsOf(events, `echo_${i}`)).toMatch(new RegExp(`^${i}$`, 'm'));
    }
    expect(tasks.filter((e) => e.state === 'success')).toHaveLength(7);
  });

  it('el operador TarGz crea el .tar.gz en la carpeta de la ejecución y su ruta queda en XCom', async () => {
    const files = [lessonFile('definicion-plugin', 'tar_gz_operator.py'), lessonFile('definicion-plugin', 'backup_dag.py')];
    const { events, exit } = await runDag(pool, files);
    expect(exit.reason).toBe('finished');
    expect(of(events, 'xcom')).toEqual([{ type: 'xcom', taskId: 'targz', key: 'return_value', value: '/tmp/run/backups/dags.tar.gz' }]);
    const listing = of(events, 'stdout').map((e) => e.text).join('');
    expect(listing).toMatch(/\/tmp\/run\/backups\/dags\.tar\.gz \(\d+ bytes\)/);
    expect(listing).toMatch(/dags\/tar_gz_operator\.py/);
    expect(logsOf(events, 'targz')).toMatch(/Comprimiendo \/tmp\/dags/);
  });

  it('un error de sintaxis se señala en su línea, en español, sin ejecutar nada', async () => {
    const content = `${HEAD}\nwith DAG(dag_id="x", start_date=datetime(2024, 1, 1)\n    pass\n`;
    const { events, exit } = await runDag(pool, [{ name: 'roto.py', content }]);
    expect(of(events, 'diagnostic')[0]).toMatchObject({ file: 'roto.py', line: 6, message: expect.stringMatching(/Error de sintaxis en roto\.py, línea 6: el «\(» nunca se cerró/) });
    expect(of(events, 'task')).toHaveLength(0);
    expect(exit.reason).toBe('failed');
  });

  it('importar un módulo que no existe apunta a la línea del import', async () => {
    const { events, exit } = await runDag(pool, [{ name: 'falta.py', content: `${HEAD}import no_existe\n` }]);
    expect(of(events, 'diagnostic')[0]).toMatchObject({ file: 'falta.py', line: 5, message: expect.stringMatching(/el módulo «no_existe» no existe en el laboratorio/) });
    const traceback = of(events, 'stderr').map((e) => e.text).join('');
    expect(traceback).toMatch(/File "falta\.py", line 5/);
    expect(traceback).not.toMatch(/site-packages|\/opt\/venv|\/tmp\/dags/); // trimmed to the student's files
    expect(exit.reason).toBe('failed');
  });

  it('un DAG con un ciclo muestra el error de ciclo de Airflow', async () => {
    const content = `${HEAD}with DAG(dag_id="ciclo", start_date=datetime(2024, 1, 1), schedule=None):\n    a = EmptyOperator(task_id="a")\n    b = EmptyOperator(task_id="b")\n    a >> b >> a\n`;
    const { events, exit } = await runDag(pool, [{ name: 'ciclo.py', content }]);
    expect(of(events, 'diagnostic')[0]?.message).toMatch(/el DAG tiene un ciclo.*Cycle detected in Dag: ciclo/);
    expect(exit.reason).toBe('failed');
  });

  it('una tarea que duerme para siempre se detiene al llegar al límite de tiempo', async () => {
    const { exit, ms } = await runDag(pool, [{ name: 'duerme.py', content: dagWithTask('import time\nwhile True:\n    time.sleep(1)') }]);
    expect(exit).toMatchObject({ reason: 'timeout', message: expect.stringMatching(/superó el límite de 10 s .*«t»/) });
    expect(ms).toBeLessThan(20_000);
  });

  it('un DAG de 1.000 tareas se rechaza con un mensaje claro', async () => {
    const content = `${HEAD}with DAG(dag_id="enorme", start_date=datetime(2024, 1, 1), schedule=None):\n    for i in range(1000):\n        EmptyOperator(task_id=f"t{i}")\n`;
    const { events, exit } = await runDag(pool, [{ name: 'enorme.py', content }]);
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/tiene 1000 tareas .* como máximo 100/) });
    expect(of(events, 'task')).toHaveLength(0);
  });

  it('BashOperator y subprocess corren dentro del sandbox: sin /etc/shadow, sin red, con su salida en el registro', async () => {
    const content = [
      HEAD.trim(),
      'from airflow.providers.standard.operators.bash import BashOperator',
      '',
      'def sub():',
      '    import subprocess',
      '    print(subprocess.run(["sh", "-c", "echo desde-subprocess; id -u"], capture_output=True, text=True).stdout)',
      '',
      'with DAG(dag_id="bash", start_date=datetime(2024, 1, 1), schedule=None):',
      '    BashOperator(task_id="hola", bash_command="echo hola-desde-bash; cat /etc/shadow || echo sin-shadow") >> PythonOperator(task_id="sub", python_callable=sub)',
      '',
    ].join('\n');
    const { events, exit } = await runDag(pool, [{ name: 'bash_dag.py', content }]);
    expect(exit.reason).toBe('finished');
    expect(logsOf(events, 'hola')).toMatch(/hola-desde-bash/);
    expect(logsOf(events, 'hola')).toMatch(/sin-shadow/);
    expect(logsOf(events, 'hola')).not.toMatch(/root:/);
    expect(logsOf(events, 'sub')).toMatch(/desde-subprocess/);
  });

  it('hijos creados con fork (también por ctypes) comparten un solo presupuesto de memoria', { timeout: 150_000 }, async () => {
    // Four children of 400 MB each would take 1.6 GB; the run's cgroup holds the whole tree.
    const body = [
      'import ctypes, os, time',
      'libc = ctypes.CDLL(None)',
      'kids = []',
      'for i in range(4):',
      '    pid = libc.fork()',
      '    if pid == 0:',
      '        try:',
      '            block = bytearray(400 * 1024 * 1024)  # zero-filled: every page is touched',
      '            time.sleep(5)',
      '        finally:',
      '            os._exit(0)',
      '    kids.append(pid)',
      'for pid in kids: os.waitpid(pid, 0)',
      'raise RuntimeError("los cuatro hijos terminaron")',
    ].join('\n');
    // Its own pool with room on the clock: a tree pressed against its budget runs slowly on 2 busy cores.
    const roomy = new DagWorkerPool({ firstUid: FIRST_UID + 20, slots: 2, size: 1, root: '/run/cauce-airflow-test', limits: { wallMs: 60_000 } });
    await roomy.whenWarm();
    const available = async () => Number(/^MemAvailable:\s+(\d+) kB/m.exec(await readFile('/proc/meminfo', 'utf8'))?.[1]) * 1024;
    const before = await available();
    let lowest = before;
    const sampler = setInterval(() => void available().then((bytes) => (lowest = Math.min(lowest, bytes))), 50);
    const { exit } = await runDag(roomy, [{ name: 'forks.py', content: dagWithTask(body) }]).finally(async () => {
      clearInterval(sampler);
      await roomy.close();
    });
    // The host lost at most the run's budget (plus the replacement worker warming meanwhile, ~220 MB),
    // where four unbounded children would have taken 1.6 GB on top of the worker.
    expect(before - lowest).toBeLessThan((pool.limits.memoryMb + 400) * 1024 * 1024);
    expect(exit).toMatchObject({ reason: 'memory-limit', message: expect.stringMatching(/más de 1024 MB de memoria/) });
  });

  it('un DAG no tiene red: ni el loopback del servidor (sitio, API de Airflow, brokers) ni las direcciones de la máquina', async () => {
    const server = net.createServer((socket) => socket.end('servidor-del-host\n'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const { port } = server.address() as net.AddressInfo;
    const own = Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    const targets = [['127.0.0.1', port], ['127.0.0.1', 3000], ['127.0.0.1', 8080], ['127.0.0.1', 9092], ...own.map((a) => [a, port])];
    const body = [
      'import socket',
      `for host, port in ${JSON.stringify(targets)}:`,
      '    try:',
      '        with socket.create_connection((host, port), timeout=2) as s:',
      '            print(host, port, "ALCANZADO", s.recv(100))',
      '    except OSError as error:',
      '        print(host, port, "inalcanzable", type(error).__name__)',
    ].join('\n');
    try {
      const { events, exit } = await runDag(pool, [{ name: 'red.py', content: dagWithTask(body) }]);
      expect(exit.reason).toBe('finished');
      const log = logsOf(events, 't');
      expect(log.match(/inalcanzable/g)).toHaveLength(targets.length);
      expect(log).not.toMatch(/ALCANZADO|servidor-del-host/);
    } finally {
      server.close();
    }
  });

  it('llenar el /tmp de la ejecución se explica como disco lleno, no como un DAG que no carga', async () => {
    const body = ['for i in range(10):', '    with open(f"/tmp/run/relleno-{i}", "wb") as f:', '        f.write(b"x" * 20 * 1024 * 1024)'].join('\n');
    const { exit } = await runDag(pool, [{ name: 'lleno.py', content: dagWithTask(body) }]);
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/se llenó/) });
  });

  it('una tarea que espera su reintento lo dice al llegar al límite de tiempo', async () => {
    const content = `${HEAD}from datetime import timedelta\n\ndef falla():\n    raise ValueError("todavía no")\n\nwith DAG(dag_id="reintento", start_date=datetime(2024, 1, 1), schedule=None):\n    PythonOperator(task_id="t", python_callable=falla, retries=2, retry_delay=timedelta(minutes=5))\n`;
    const { events, exit } = await runDag(pool, [{ name: 'reintento.py', content }]);
    expect(of(events, 'task').map((e) => e.state)).toContain('up_for_retry');
    expect(exit).toMatchObject({ reason: 'timeout', message: expect.stringMatching(/«t» falló y estaba esperando para reintentar/) });
  });

  it('no se ven /etc/shadow, las carpetas de otras ejecuciones ni el entorno del servidor', async () => {
    process.env.CAUCE_TEST_CANARY = 'canario-secreto';
    const body = [
      'import os',
      'for p in ["/etc/shadow", "/run/cauce-airflow-test", "/run/cauce-airflow", "/run/cauce-sandbox", "/root", "/work"]:',
      '    print(p, "visible" if os.path.exists(p) else "invisible")',
      'print("tmp:", sorted(os.listdir("/tmp")))',
      'print("canario" if "canario-secreto" in open("/proc/1/environ").read() + str(dict(os.environ)) else "sin canario")',
    ].join('\n');
    const { events, exit } = await runDag(pool, [{ name: 'mirar.py', content: dagWithTask(body) }]);
    delete process.env.CAUCE_TEST_CANARY;
    expect(exit.reason).toBe('finished');
    const log = logsOf(events, 't');
    expect(log).not.toMatch(/ visible/);
    expect(log).toMatch(/tmp: \['airflow', 'dags', 'run'\]/);
    expect(log).toMatch(/sin canario/);
  });

  it('un archivo sin DAG lo dice claramente', async () => {
    const { exit } = await runDag(pool, [{ name: 'nada.py', content: 'x = 1\n' }]);
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/no definen ningún DAG/) });
  });

  it('una excepción en una tarea se señala en la línea del alumno y el DAG acaba fallido', async () => {
    const { events, exit } = await runDag(pool, [{ name: 'falla.py', content: dagWithTask('raise ValueError("sin datos")') }]);
    expect(of(events, 'task').at(-1)).toMatchObject({ taskId: 't', state: 'failed' });
    expect(of(events, 'diagnostic')[0]).toMatchObject({ file: 'falla.py', line: 7, message: expect.stringMatching(/La tarea «t» falló en falla\.py, línea 7: ValueError: sin datos/) });
    expect(logsOf(events, 't')).not.toMatch(/site-packages/);
    expect(exit.reason).toBe('failed');
  });

  it('después de todo lo anterior el host sigue bien: un DAG normal corre y no quedan procesos', async () => {
    const { exit } = await runDag(pool, [lessonFile('postgres-localexecutor', 'dummy.py')]);
    expect(exit.reason).toBe('finished');
    await pool.close();
    const left: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= FIRST_UID && uid < FIRST_UID + SLOTS && !/^State:\s+Z/m.test(status)) left.push(Number(entry));
    }
    expect(left).toEqual([]);
    for (let uid = FIRST_UID; uid < FIRST_UID + SLOTS; uid++) expect(existsSync(`/run/cauce-airflow-test/uid-${uid}/tmp`)).toBe(false);
  });
});
