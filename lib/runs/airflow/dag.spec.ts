/**
 * airflow-dag runs against the real warm worker pool: real Airflow 3 in real bubblewrap
 * sandboxes. Needs root (as the server does) and the installed lab
 * (`npx tsx lab/cli.ts prepare-airflow`, which `npm test` runs first).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PARALLEL_DAG_TASKS } from '@/lib/limits';
import { DagWorkerPool } from './pool';
import { assertAirflowLab, lessonFile, runDag } from './test-helpers';
import type { RunEvent } from '../schema';

const FIRST_UID = 61_300; // away from the server's pool (61200+) and the kafka-ts sandbox tests (61100+)
const SLOTS = 6;
const HEAD = [
  'from datetime import datetime',
  'from airflow.sdk import DAG',
  'from airflow.providers.standard.operators.empty import EmptyOperator',
  'from airflow.providers.standard.operators.python import PythonOperator',
  '',
].join('\n');

/** A DAG with one PythonOperator task "t" whose body is `body` (line 7 is its first line). */
function dagWithTask(body: string): string {
  const indented = body
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `${HEAD}\ndef work():\n${indented}\n\nwith DAG(dag_id="probe", start_date=datetime(2024, 1, 1), schedule=None):\n    PythonOperator(task_id="t", python_callable=work)\n`;
}

const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);
const logsOf = (events: RunEvent[], taskId: string) =>
  of(events, 'log')
    .filter((e) => e.taskId === taskId)
    .map((e) => e.text)
    .join('\n');

/**
 * The most tasks among `ids` that were running at once, from the order of their task events
 * (a try counts from its `running` event to its final state): no clock involved.
 */
function mostAtOnce(events: RunEvent[], ids: readonly string[]): number {
  const running = new Set<string>();
  let most = 0;
  for (const event of of(events, 'task')) {
    if (!ids.includes(event.taskId)) continue;
    if (event.state === 'running') running.add(event.taskId);
    else if (['success', 'failed', 'up_for_retry', 'skipped', 'upstream_failed'].includes(event.state)) running.delete(event.taskId);
    most = Math.max(most, running.size);
  }
  return most;
}

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

  it('test_print_values: las cinco echo_* independientes corren a la vez, no una tras otra', async () => {
    const { events, exit } = await runDag(pool, [lessonFile('definicion-workflow', 'test_print_values.py')]);
    expect(exit.reason).toBe('finished');
    const echoes = [0, 1, 2, 3, 4].map((i) => `echo_${i}`);
    // The worker starts every ready try that fits before it waits for one to end.
    expect(mostAtOnce(events, echoes)).toBe(Math.min(echoes.length, MAX_PARALLEL_DAG_TASKS));
    expect(MAX_PARALLEL_DAG_TASKS).toBeGreaterThan(1);
  });

  it('un DAG con max_active_tasks=1 corre sus tareas independientes de una en una', async () => {
    const content = `${HEAD}\ndef hola(n):\n    print(f"hola {n}")\n\nwith DAG(dag_id="de_una_en_una", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=1):\n    for n in range(3):\n        PythonOperator(task_id=f"t{n}", python_callable=hola, op_args=[n])\n`;
    const { events, exit } = await runDag(pool, [{ name: 'de_una_en_una.py', content }]);
    expect(exit.reason, exit.message).toBe('finished');
    expect(mostAtOnce(events, ['t0', 't1', 't2'])).toBe(1);
    for (const n of [0, 1, 2]) expect(logsOf(events, `t${n}`)).toMatch(new RegExp(`^hola ${n}$`, 'm'));
  });

  it('el operador TarGz crea el .tar.gz en la carpeta de la ejecución y su ruta queda en XCom', async () => {
    const files = [lessonFile('definicion-plugin', 'tar_gz_operator.py'), lessonFile('definicion-plugin', 'backup_dag.py')];
    const { events, exit } = await runDag(pool, files);
    expect(exit.reason).toBe('finished');
    expect(of(events, 'xcom')).toEqual([{ type: 'xcom', taskId: 'targz', key: 'return_value', value: '/tmp/run/backups/dags.tar.gz' }]);
    const listing = of(events, 'stdout')
      .map((e) => e.text)
      .join('');
    expect(listing).toMatch(/\/tmp\/run\/backups\/dags\.tar\.gz \(\d+ bytes\)/);
    expect(listing).toMatch(/dags\/tar_gz_operator\.py/);
    expect(logsOf(events, 'targz')).toMatch(/Comprimiendo \/tmp\/dags/);
  });

  it('un error de sintaxis se señala en su línea, en español, sin ejecutar nada', async () => {
    const content = `${HEAD}\nwith DAG(dag_id="x", start_date=datetime(2024, 1, 1)\n    pass\n`;
    const { events, exit } = await runDag(pool, [{ name: 'roto.py', content }]);
    expect(of(events, 'diagnostic')[0]).toMatchObject({
      file: 'roto.py',
      line: 6,
      message: expect.stringMatching(/Error de sintaxis en roto\.py, línea 6: el «\(» nunca se cerró/),
    });
    expect(of(events, 'task')).toHaveLength(0);
    expect(exit.reason).toBe('failed');
  });

  it('importar un módulo que no existe apunta a la línea del import', async () => {
    const { events, exit } = await runDag(pool, [{ name: 'falta.py', content: `${HEAD}import no_existe\n` }]);
    expect(of(events, 'diagnostic')[0]).toMatchObject({ file: 'falta.py', line: 5, message: expect.stringMatching(/el módulo «no_existe» no existe en el laboratorio/) });
    const traceback = of(events, 'stderr')
      .map((e) => e.text)
      .join('');
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
    const own = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
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
      'try:',
      '    init = open("/proc/1/environ").read()', // pid 1 is the worker, not dumpable: PermissionError
      'except PermissionError:',
      '    init = ""',
      'print("canario" if "canario-secreto" in init + str(dict(os.environ)) else "sin canario")',
    ].join('\n');
    const { events, exit } = await runDag(pool, [{ name: 'mirar.py', content: dagWithTask(body) }]);
    delete process.env.CAUCE_TEST_CANARY;
    expect(exit.reason).toBe('finished');
    const log = logsOf(events, 't');
    expect(log).not.toMatch(/ visible/);
    expect(log).toMatch(/tmp: \['airflow', 'dags', 'run'\]/);
    expect(log).toMatch(/sin canario/);
  });

  it('una tarea que mata los demás procesos de la ejecución (los hijos preparados en espera) no impide que corran las siguientes', async () => {
    const content = [
      HEAD,
      'import os, signal',
      '',
      'def mata():',
      '    mine = {1, os.getpid(), os.getppid()}',
      '    killed = 0',
      '    for entry in os.listdir("/proc"):',
      '        if entry.isdigit() and int(entry) not in mine:',
      '            try:',
      '                os.kill(int(entry), signal.SIGKILL)',
      '                killed += 1',
      '            except OSError:',
      '                pass',
      '    print(f"matados {killed}")',
      '',
      'def sigue(n):',
      '    print(f"sigue {n}")',
      '',
      'with DAG(dag_id="mata_hermanos", start_date=datetime(2024, 1, 1), schedule=None):',
      '    primera = PythonOperator(task_id="mata", python_callable=mata)',
      '    for n in range(3):',
      '        primera >> PythonOperator(task_id=f"sigue_{n}", python_callable=sigue, op_args=[n])',
      '',
    ].join('\n');
    const { events, exit } = await runDag(pool, [{ name: 'mata_hermanos.py', content }]);
    expect(logsOf(events, 'mata')).toMatch(/^matados [1-9]\d*$/m); // it found spares to kill
    expect(exit.reason, exit.message).toBe('finished');
    for (const n of [0, 1, 2]) expect(logsOf(events, `sigue_${n}`)).toMatch(new RegExp(`^sigue ${n}$`, 'm'));
  });

  it('un archivo sin DAG lo dice claramente', async () => {
    const { exit } = await runDag(pool, [{ name: 'nada.py', content: 'x = 1\n' }]);
    expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/no definen ningún DAG/) });
  });

  it('una excepción en una tarea se señala en la línea del alumno y el DAG acaba fallido', async () => {
    const { events, exit } = await runDag(pool, [{ name: 'falla.py', content: dagWithTask('raise ValueError("sin datos")') }]);
    expect(of(events, 'task').at(-1)).toMatchObject({ taskId: 't', state: 'failed' });
    expect(of(events, 'diagnostic')[0]).toMatchObject({
      file: 'falla.py',
      line: 7,
      message: expect.stringMatching(/La tarea «t» falló en falla\.py, línea 7: ValueError: sin datos/),
    });
    expect(logsOf(events, 't')).not.toMatch(/site-packages/);
    expect(exit.reason).toBe('failed');
  });

  // Each case is a hostile run plus a normal one after it: minutes on a busy 2-core machine.
  describe('resultados que el código del alumno no puede falsificar', { timeout: 240_000 }, () => {
    /** Python that writes forged protocol lines (a success for "t" and for the DAG) wherever it can. */
    const FORGE = [
      'import json, os',
      'FORGED = "".join(json.dumps(e) + "\\n" for e in [',
      '    {"event": "task", "taskId": "t", "state": "success"},',
      '    {"event": "result", "state": "success", "dagState": "success", "dagId": "probe"},',
      '    {"event": "done", "jobMs": 1},',
      ']).encode()',
      'def forge():',
      '    reached = []',
      // The parent's folders first: garbage on its own request socket (in /proc/self/fd) makes
      // the worker end this try at once, so what it learnt about them must already be out.
      '    for folder in [f"/proc/{os.getppid()}/fd", "/proc/1/fd", "/proc/2/fd", "/proc/self/fd"]:',
      '        try:',
      '            names = os.listdir(folder)',
      '        except OSError as error:',
      '            print(folder, "inaccesible:", type(error).__name__, flush=True)',
      '            continue',
      '        for name in names:',
      '            try:',
      '                fd = os.open(f"{folder}/{name}", os.O_WRONLY | os.O_NONBLOCK)',
      '            except OSError:',
      '                continue',
      '            try:',
      '                os.write(fd, FORGED)',
      '                reached.append(f"{folder}/{name}")',
      '            except OSError:',
      '                pass',
      '            finally:',
      '                os.close(fd)',
      '    for fd in range(3, 256):  # every fd it holds (0-2 too, through print)',
      '        try:',
      '            os.write(fd, FORGED)',
      '        except OSError:',
      '            pass',
      '    print(FORGED.decode())',
      '    print("escrito en", len(reached), "descriptores")',
    ].join('\n');
    const survives = async () => {
      const { exit } = await runDag(pool, [lessonFile('postgres-localexecutor', 'dummy.py')]);
      expect(exit).toMatchObject({ reason: 'finished', message: expect.stringMatching(/terminó correctamente/) });
    };

    it('una tarea que falla tras escribir un éxito falso en todos sus descriptores y en los de su padre acaba fallida', async () => {
      const content = `${HEAD}${FORGE}\n\ndef work():\n    forge()\n    raise ValueError("falla de verdad")\n\nwith DAG(dag_id="probe", start_date=datetime(2024, 1, 1), schedule=None):\n    PythonOperator(task_id="t", python_callable=work)\n`;
      const { events, exit } = await runDag(pool, [{ name: 'falsifica.py', content }]);
      expect(
        of(events, 'task')
          .filter((e) => e.taskId === 't')
          .map((e) => e.state),
      ).toEqual(['queued', 'running', 'failed']);
      // Its garbage on its own request socket ends its try early: failed either way, and said so.
      expect(logsOf(events, 't')).toMatch(/rompió su canal de comunicación con Airflow|ValueError: falla de verdad/);
      expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/«t»/) });
      expect(logsOf(events, 't')).toMatch(/inaccesible: PermissionError/); // the worker's own /proc/<pid>/fd
      await survives();
    });

    it('el código de nivel superior que falsifica el resultado al importarse no engaña: el DAG corre y su tarea falla', async () => {
      const content = `${HEAD}${FORGE}\nforge()\n\ndef work():\n    raise ValueError("falla de verdad")\n\nwith DAG(dag_id="probe", start_date=datetime(2024, 1, 1), schedule=None):\n    PythonOperator(task_id="t", python_callable=work)\n`;
      const { events, exit } = await runDag(pool, [{ name: 'importa.py', content }]);
      // It wrote into its own result pipe too: the parse answer is garbage, so nothing runs.
      expect(of(events, 'task').filter((e) => e.state === 'success')).toEqual([]);
      expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/importa\.py: el DAG no se pudo cargar/) });
      await survives();
    });

    it('una tarea que marca como éxito todas las tareas en cualquier SQLite de /tmp no cambia el resultado', async () => {
      const content = [
        HEAD.trim(),
        'import os, sqlite3',
        '',
        'def hack():',
        '    found = []',
        '    for root, _dirs, names in os.walk("/tmp"):',
        '        for name in names:',
        '            path = os.path.join(root, name)',
        '            try:',
        '                with open(path, "rb") as f:',
        '                    if f.read(16) != b"SQLite format 3\\x00":',
        '                        continue',
        '                db = sqlite3.connect(path)',
        '                db.execute("UPDATE task_instance SET state=\'success\'")',
        '                db.execute("UPDATE dag_run SET state=\'success\'")',
        '                db.commit()',
        '                found.append(path)',
        '            except Exception as error:',
        '                print(path, type(error).__name__)',
        '    print("bases modificadas:", found)',
        '',
        'def falla():',
        '    raise ValueError("falla de verdad")',
        '',
        'with DAG(dag_id="probe", start_date=datetime(2024, 1, 1), schedule=None):',
        '    PythonOperator(task_id="t", python_callable=falla)',
        '    PythonOperator(task_id="z", python_callable=hack)', // runs after t (same round, by id) and is a leaf too
        '',
      ].join('\n');
      const { events, exit } = await runDag(pool, [{ name: 'sqlite.py', content }]);
      expect(logsOf(events, 'z')).toMatch(/bases modificadas: \[\]/); // the DB lives in the worker's memory
      const final = new Map(of(events, 'task').map((e) => [e.taskId, e.state]));
      expect(Object.fromEntries(final)).toEqual({ t: 'failed', z: 'success' });
      expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/La tarea «t» falló en sqlite\.py/) });
      await survives();
    });

    it('una tarea no puede depurar ni leer la memoria del proceso que la vigila (ptrace, process_vm_readv, /proc/<ppid>/mem)', async () => {
      const body = [
        'import ctypes, os',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'for pid in sorted({os.getppid(), 1, 2} - {os.getpid()}):',
        '    print(pid, "ptrace", "permitido" if libc.ptrace(16, pid, None, None) == 0 else f"denegado errno={ctypes.get_errno()}")  # PTRACE_ATTACH',
        '    class iovec(ctypes.Structure):',
        '        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]',
        '    buf = ctypes.create_string_buffer(64)',
        '    local, remote = iovec(ctypes.addressof(buf), 64), iovec(0x400000, 64)',
        '    n = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)',
        '    print(pid, "process_vm_readv", "permitido" if n >= 0 else "denegado")',
        '    for what in ("mem", "environ", "fd/1"):',
        '        try:',
        '            with open(f"/proc/{pid}/{what}", "wb" if what == "fd/1" else "rb") as f:',
        '                print(pid, what, "permitido")',
        '        except OSError as error:',
        '            print(pid, what, "denegado", type(error).__name__)',
        'raise ValueError("falla de verdad")',
      ].join('\n');
      const { events, exit } = await runDag(pool, [{ name: 'ptrace.py', content: dagWithTask(body) }]);
      const log = logsOf(events, 't');
      expect(log).toMatch(/ptrace denegado/);
      expect(log).not.toMatch(/permitido/);
      expect(of(events, 'task').at(-1)).toMatchObject({ taskId: 't', state: 'failed' });
      expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/La tarea «t» falló en ptrace\.py/) });
      await survives();
    });

    it('una tarea que reemplaza las funciones del trabajador (send, Job.task_state) solo cambia su propia copia', async () => {
      const body = [
        'import json, sys',
        'worker = sys.modules.get("__main__")',
        'print("trabajador visible:", hasattr(worker, "Job"))',
        'if hasattr(worker, "Job"):',
        '    worker.Job.task_state = lambda self, task_id, state, map_index=-1: worker.send("task", taskId=task_id, state="success")',
        '    worker.Job.result = lambda self, state, **fields: worker.send("result", state="success")',
        '    worker.send("result", state="success", dagState="success", dagId="probe")',
        'raise ValueError("falla de verdad")',
      ].join('\n');
      const { events, exit } = await runDag(pool, [{ name: 'parchea.py', content: dagWithTask(body) }]);
      expect(logsOf(events, 't')).toMatch(/trabajador visible: True/); // the fork has the worker's code, not its channel
      expect(of(events, 'task').at(-1)).toMatchObject({ taskId: 't', state: 'failed' });
      expect(exit).toMatchObject({ reason: 'failed', message: expect.stringMatching(/La tarea «t» falló en parchea\.py/) });
      await survives();
    });
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
