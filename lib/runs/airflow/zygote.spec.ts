/**
 * One warm DAG worker serves many runs (issue 9): its zygote forks a process per job and cleans
 * the sandbox between jobs. These runs share ONE worker on purpose (pool of size 1), so what a
 * run leaves behind would be in the next run's sandbox if the cleaning missed it. Real Airflow
 * in real bubblewrap; needs root and the installed lab, like dag.spec.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DagWorkerPool } from './pool';
import { assertAirflowLab, runDag } from './test-helpers';
import type { RunEvent } from '../schema';

const FIRST_UID = 61_360; // away from dag.spec (61300+), the server's pool (61200+) and kafka-ts (61000+)

/** A DAG with one PythonOperator task "t" running `body` (indented for us). */
function dagWithTask(dagId: string, body: string): string {
  const indented = body
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return [
    'from datetime import datetime',
    'from airflow.sdk import DAG',
    'from airflow.providers.standard.operators.python import PythonOperator',
    '',
    'def work():',
    indented,
    '',
    `with DAG(dag_id="${dagId}", start_date=datetime(2024, 1, 1), schedule=None):`,
    '    PythonOperator(task_id="t", python_callable=work)',
    '',
  ].join('\n');
}

/** Everything a run could leave for the next one: files, processes, shared memory, DB rows, modules. */
const LEAVE_TRACES = `
import ctypes, os, subprocess, sys
from airflow.sdk import Variable
open("/tmp/rastro.txt", "w").write("datos del alumno anterior")
open("/tmp/dags/modulo_rastro.py", "w").write("SECRETO = 1\\n")
open("/tmp/run/salida.csv", "w").write("a,b\\n")
os.makedirs("/tmp/cerrada/dentro", exist_ok=True)
open("/tmp/cerrada/dentro/f", "w").write("x")
os.chmod("/tmp/cerrada/dentro", 0)
os.chmod("/tmp/cerrada", 0)
# Detached from the task's sockets (Airflow would otherwise wait for them to close).
subprocess.Popen(["sleep", "1000"], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    os.closerange(0, 4096)
    if os.fork() == 0:
        import time
        while True:
            open("/tmp/vigia.txt", "a").write("sigo aqui\\n")
            time.sleep(0.05)
    os._exit(0)
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x5eed, 4096, 0o1600)
print("shm creado:", shm >= 0)
mq = libc.mq_open(b"/cauce_rastro", os.O_CREAT | os.O_RDWR, 0o600, None)
print("cola POSIX creada:", mq >= 0)
Variable.set("rastro", "del alumno anterior")
sys.modules["cauce_rastro"] = sys
os.environ["CAUCE_RASTRO"] = "1"
time_left = __import__("time").sleep(0.2)  # the survivor has written its marker by now
os.chmod("/tmp", 0o555)
print("rastros dejados:", os.path.exists("/tmp/vigia.txt"))
`;

/** What the next run reports of the sandbox it finds. */
const LOOK_AROUND = `
import json, os, sys, time
from airflow.sdk import Variable
time.sleep(0.3)  # a survivor of the previous run would write its marker meanwhile
procs = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            procs.append(open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode().strip())
        except OSError:
            pass
with open("/proc/sysvipc/shm") as table:
    shm = len(table.read().splitlines()) - 1
print("VISTO " + json.dumps({
    "tmp": sorted(os.listdir("/tmp")),
    "dags": sorted(os.listdir("/tmp/dags")),
    "run": sorted(os.listdir("/tmp/run")),
    "tmpWritable": os.access("/tmp", os.W_OK),
    "sleep": any(p.startswith("sleep") for p in procs),
    "procs": len(procs),
    "shm": shm,
    "variable": Variable.get("rastro", default=None),
    "module": "cauce_rastro" in sys.modules or "modulo_rastro" in sys.modules,
    "env": os.environ.get("CAUCE_RASTRO"),
}))
`;

const logs = (events: RunEvent[]) =>
  events
    .filter((e): e is Extract<RunEvent, { type: 'log' }> => e.type === 'log')
    .map((e) => e.text)
    .join('\n');

function seen(events: RunEvent[]): Record<string, unknown> {
  const line = /VISTO (\{.*\})/.exec(logs(events))?.[1];
  if (!line) throw new Error(`the observer printed nothing:\n${logs(events)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('un trabajador de DAG caliente sirve a muchos alumnos sin que uno vea lo del anterior', { timeout: 180_000 }, () => {
  let pool: DagWorkerPool;
  const pids: (number | undefined)[] = [];
  /** The pool, with the pid of the worker each run got. */
  let watched: DagWorkerPool;

  beforeAll(async () => {
    assertAirflowLab();
    pool = new DagWorkerPool({ size: 1, firstUid: FIRST_UID, slots: 3, root: '/run/cauce-airflow-zygote-test', limits: { wallMs: 20_000 } });
    await pool.whenWarm();
    watched = new Proxy(pool, {
      get: (target, key) => {
        if (key === 'take')
          return async () => {
            const worker = await target.take();
            pids.push(worker.pid);
            return worker;
          };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }, 150_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('lo que deja una ejecución (archivos, procesos, memoria compartida, variables, módulos) no está en la siguiente', async () => {
    const first = await runDag(watched, [{ name: 'deja_rastros.py', content: dagWithTask('deja_rastros', LEAVE_TRACES) }]);
    expect(logs(first.events)).toContain('rastros dejados: True');
    expect(logs(first.events)).toContain('shm creado: True');
    expect(logs(first.events)).toContain('cola POSIX creada: False'); // RLIMIT_MSGQUEUE 0: none can outlive its run
    expect(first.exit.reason).toBe('finished');

    const second = await runDag(watched, [{ name: 'mira.py', content: dagWithTask('mira', LOOK_AROUND) }]);
    expect(second.exit.reason).toBe('finished');
    expect(pids).toHaveLength(2);
    expect(pids[1]).toBe(pids[0]); // the very same sandbox: otherwise this proves nothing
    expect(seen(second.events)).toEqual({
      tmp: ['airflow', 'dags', 'run'],
      dags: ['mira.py'],
      run: [],
      tmpWritable: true,
      sleep: false,
      procs: expect.any(Number),
      shm: 0,
      variable: null,
      module: false,
      env: null,
    });
  });

  it('Detener una ejecución no cuesta el trabajador: la siguiente usa el mismo, limpio', async () => {
    const stopped = await runDag(watched, [{ name: 'duerme.py', content: dagWithTask('duerme', 'open("/tmp/a_medias.txt", "w").write("x")\nimport time\ntime.sleep(60)') }], {
      stopAfterMs: 2_500,
    });
    expect(stopped.exit.reason).toBe('stopped');
    const after = await runDag(watched, [{ name: 'mira.py', content: dagWithTask('mira', LOOK_AROUND) }]);
    expect(pids.at(-1)).toBe(pids.at(-2));
    expect(seen(after.events)).toMatchObject({ tmp: ['airflow', 'dags', 'run'], sleep: false, variable: null });
  });

  it('una tarea que mata su propio proceso de trabajo acaba como fallo del laboratorio, no como límite de CPU, y el trabajador sigue', async () => {
    const killed = await runDag(watched, [{ name: 'mata.py', content: dagWithTask('mata', 'import os, signal\nos.kill(os.getppid(), 0)\nos.kill(-1, signal.SIGKILL)') }]);
    expect(killed.exit.reason).not.toBe('cpu-limit');
    const after = await runDag(watched, [{ name: 'mira.py', content: dagWithTask('mira', LOOK_AROUND) }]);
    expect(after.exit.reason).toBe('finished');
    expect(pids.at(-1)).toBe(pids.at(-2));
  });
});
