/**
 * "Enviar al scheduler" against a real embedded Airflow (api-server, scheduler,
 * dag-processor, triggerer) started on its own port in a temp folder, with the site's task
 * launcher running every task in the sandbox, plus the pure helpers.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirflow, type RunningAirflow } from '@/lab/airflow/start';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { airflowInstallDir } from '@/lib/sandbox/kinds/airflow-worker';
import { TaskLauncher, taskLauncherOptionsFromEnv } from './tasks/launcher';
import { SchedulerError, schedulerTargetFromEnv, type SchedulerTarget } from '@/lib/lab/airflow-api';
import { namespaceDagIds, pollDagRun, sendToScheduler, studentNamespace } from './scheduler';
import { lessonFile } from './test-helpers';

describe('espacio de nombres de cada alumno', () => {
  it('convierte el nombre del alumno en un prefijo seguro', () => {
    expect(studentNamespace('Ana María Pérez')).toBe('ana_maria_perez');
    expect(() => studentNamespace('¡¡!!')).toThrow(SchedulerError);
  });

  it('prefija cada dag_id y devuelve los identificadores nuevos', () => {
    const { files, dagIds } = namespaceDagIds([{ name: 'a.py', content: 'with DAG(\n    dag_id="test_plugin",\n):' }], 'ana');
    expect(dagIds).toEqual(['ana__test_plugin']);
    expect(files[0]?.content).toContain('dag_id="ana__test_plugin"');
  });

  it('sin AIRFLOW_API_URL ni carpeta de DAGs explica que no está configurado', () => {
    expect(() => schedulerTargetFromEnv({} as NodeJS.ProcessEnv)).toThrow(/no está configurado/);
  });
});

describe('el alumno envía su DAG al scheduler del laboratorio', () => {
  let airflow: RunningAirflow;
  let target: SchedulerTarget;
  let launcher: TaskLauncher | null = null;
  /** The launcher's lines: one per task try, with the uid it ran as. */
  const launcherLog: string[] = [];
  /** The lab's Airflow components' lines (the triggerer's refusals). */
  const airflowLog: string[] = [];
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'cauce-airflow-'));

  beforeAll(async () => {
    assertSandboxPrerequisites();
    const installed = path.join(airflowInstallDir(), 'installed');
    if (!existsSync(installed)) throw new Error(`Airflow no está instalado (${installed}): ejecuta npx tsx lab/cli.ts prepare-airflow (npm test lo hace).`);
    const port = 18_580 + Math.floor(Math.random() * 100) * 3;
    airflow = await startAirflow({ log: () => undefined, server: { port, stateDir, onLog: (line) => airflowLog.push(line) > 5_000 && airflowLog.shift() } });
    target = schedulerTargetFromEnv(airflow.env as unknown as NodeJS.ProcessEnv);
    // What the site's instrumentation.ts does with the same variables.
    const options = taskLauncherOptionsFromEnv(airflow.env as unknown as NodeJS.ProcessEnv);
    if (!options) throw new Error("the lab's variables do not configure the task launcher");
    launcher = new TaskLauncher({ ...options, log: (line) => launcherLog.push(line) });
    await launcher.start();
  }, 240_000);

  afterAll(async () => {
    await launcher?.close();
    await airflow?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The launcher's end lines for a DAG's tries (a try's sandbox exits just after it reports its state). */
  async function launched(dagId: string, count: number): Promise<string[]> {
    const lines = () => launcherLog.filter((line) => line.startsWith(`[airflow-tasks] ${dagId}.`) && line.includes(' ran as uid '));
    for (let i = 0; i < 100 && lines().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines(), launcherLog.join('\n')).toHaveLength(count);
    return lines();
  }

  /** Polls as the site's panel does: a busy api-server ("no responde", retriable) is asked again. */
  async function untilEnded(dagId: string, dagRunId: string) {
    const poll = () =>
      pollDagRun(dagId, dagRunId, target).catch((error: unknown) => {
        if (error instanceof SchedulerError && error.retriable) return null;
        throw error;
      });
    let status = await poll();
    for (let i = 0; i < 120 && !status?.ended; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await poll();
    }
    return status;
  }

  it('las credenciales se generan al arrancar y no están en el repositorio', () => {
    expect(target.password).toMatch(/^[A-Za-z0-9_-]{12,}$/);
    expect(readFileSync(path.join(stateDir, 'secrets.json'), 'utf8')).toContain(target.password);
  });

  it('el DAG del operador TarGz llega al scheduler, se activa, se lanza y termina bien', async () => {
    const files = [lessonFile('definicion-plugin', 'backup_dag.py'), lessonFile('definicion-plugin', 'tar_gz_operator.py')];
    const sent = await sendToScheduler({ student: 'Alumna de prueba', files }, target);
    expect(sent.dagId).toBe('alumna_de_prueba__test_plugin');
    expect(sent.url).toMatch(/\/dags\/alumna_de_prueba__test_plugin\/runs\//);
    const status = await untilEnded(sent.dagId, sent.dagRunId);
    expect(status).toMatchObject({ state: 'success', ended: true });
    expect(status?.tasks.map((t) => t.state)).toEqual(['success', 'success']);
    // targz ran in the sandbox as a task uid (61500+), not as Airflow's 61900; the
    // EmptyOperator never runs anywhere (the scheduler marks it done).
    const ran = await launched(sent.dagId, 1);
    expect(ran[0]).toMatch(/\.targz .* ran as uid 615\d\d: exit 0, finished/);
  }, 180_000);

  it('la tarea de un alumno no ve los secretos del laboratorio, ni la carpeta de otro alumno, ni otros puertos', async () => {
    const paths = { home: path.join(stateDir, 'home'), dags: target.dagsDir };
    // Another student's DAG folder, with something only they should read.
    const other = path.join(paths.dags, 'cauce_otra_alumna');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'secreto.py'), '# SECRETO_DE_OTRA_ALUMNA\n');
    // A stand-in for the site (and any other loopback service) on this machine.
    const site = net.createServer((socket) => socket.end('SITIO\n'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const sitePort = (site.address() as net.AddressInfo).port;
    const airflowPort = Number(new URL(target.apiUrl).port);
    const repoLab = path.join(process.cwd(), '.lab', 'airflow');
    const files = [
      '/proc/1/environ',
      '/proc/self/environ',
      '/tmp/airflow/airflow.cfg',
      path.join(paths.home, 'airflow.cfg'),
      path.join(paths.home, 'airflow.db'),
      path.join(paths.home, 'simple_auth_manager_passwords.json.generated'),
      path.join(stateDir, 'secrets.json'),
      path.join(repoLab, 'secrets.json'),
      path.join(repoLab, 'home', 'simple_auth_manager_passwords.json.generated'),
      path.join(other, 'secreto.py'),
    ];
    const probe = {
      files,
      dirs: [paths.dags, paths.home, stateDir, other, repoLab],
      ports: [sitePort, airflowPort + 1, airflowPort + 2, 9092, 3000],
      // Through the relayed api-server: what is not the Execution API, or not this student's.
      http: {
        rest: [`http://127.0.0.1:${airflowPort}/api/v2/dags`, 'GET'],
        token: [`http://127.0.0.1:${airflowPort}/auth/token`, 'POST'],
        otherXcom: [`http://127.0.0.1:${airflowPort}/execution/xcoms/otra_alumna__x/r/t/return_value`, 'GET'],
        otherTrigger: [`http://127.0.0.1:${airflowPort}/execution/dag-runs/otra_alumna__x/robado`, 'POST'],
      },
    };
    const dag = [
      'import json, os, socket, urllib.error, urllib.request',
      'from datetime import datetime',
      'from airflow.providers.standard.operators.bash import BashOperator',
      'from airflow.providers.standard.operators.python import PythonOperator',
      'from airflow.sdk import DAG',
      `PROBE = json.loads(${JSON.stringify(JSON.stringify(probe))})`,
      'def espiar():',
      '    seen = {"uid": os.getuid(), "environ": dict(os.environ), "files": {}, "dirs": {}, "ports": {}}',
      '    for name in PROBE["files"]:',
      '        try:',
      '            with open(name, "rb") as f:',
      '                seen["files"][name] = f.read(20000).decode("utf-8", "replace")',
      '        except OSError as e:',
      '            seen["files"][name] = "DENIED " + type(e).__name__',
      '    for name in PROBE["dirs"]:',
      '        try:',
      '            seen["dirs"][name] = sorted(os.listdir(name))',
      '        except OSError as e:',
      '            seen["dirs"][name] = "DENIED " + type(e).__name__',
      '    for port in PROBE["ports"]:',
      '        try:',
      '            socket.create_connection(("127.0.0.1", port), timeout=2).close()',
      '            seen["ports"][str(port)] = "OPEN"',
      '        except OSError as e:',
      '            seen["ports"][str(port)] = "CLOSED " + type(e).__name__',
      '    seen["http"] = {}',
      '    for label, (url, method) in PROBE["http"].items():',
      '        try:',
      '            seen["http"][label] = urllib.request.urlopen(urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None), timeout=10).status',
      '        except urllib.error.HTTPError as e:',
      '            seen["http"][label] = e.code',
      '        except OSError as e:',
      '            seen["http"][label] = type(e).__name__',
      '    print("CAUCE_PROBE " + json.dumps(seen))',
      '    return {"uid": seen["uid"]}',
      'with DAG(dag_id="espia", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):',
      '    PythonOperator(task_id="espiar", python_callable=espiar) >> BashOperator(task_id="shell", bash_command="id -u; cat /proc/1/environ | tr \'\\\\0\' \'\\\\n\' | head -50")',
      '',
    ].join('\n');
    try {
      const sent = await sendToScheduler({ student: 'Curiosa', files: [{ name: 'espia.py', content: dag }] }, target);
      const status = await untilEnded(sent.dagId, sent.dagRunId);
      expect(status).toMatchObject({ state: 'success', ended: true });

      // The api-server (Airflow's uid) still reads the log the sandbox wrote.
      const log = await taskLog(target, sent.dagId, sent.dagRunId, 'espiar');
      const probeLine = log.split('\n').find((line) => line.includes('CAUCE_PROBE'));
      expect(probeLine, log.slice(0, 2000)).toBeDefined();
      const seen = JSON.parse(/CAUCE_PROBE (\{.*\})/.exec(JSON.parse(probeLine!).event as string)![1]!) as {
        uid: number;
        environ: Record<string, string>;
        files: Record<string, string>;
        dirs: Record<string, string[] | string>;
        ports: Record<string, string>;
        http: Record<string, number | string>;
      };
      // A task uid, not Airflow's.
      expect(seen.uid).toBeGreaterThanOrEqual(61_500);
      expect(seen.uid).toBeLessThan(61_510);
      // Nothing secret in its environment, nor anywhere in what it printed.
      expect(Object.keys(seen.environ).filter((key) => /SECRET|FERNET|JWT|PASSWORD/i.test(key))).toEqual([]);
      const secrets = JSON.parse(readFileSync(path.join(stateDir, 'secrets.json'), 'utf8')) as Record<string, string>;
      const shellLog = await taskLog(target, sent.dagId, sent.dagRunId, 'shell');
      for (const value of Object.values(secrets)) {
        expect(log).not.toContain(value);
        expect(shellLog).not.toContain(value);
      }
      // The lab's files and the other student's folder are simply not there.
      for (const name of files.filter((f) => !f.startsWith('/proc/') && f !== '/tmp/airflow/airflow.cfg')) {
        expect(seen.files[name], name).toMatch(/^DENIED /);
      }
      expect(log).not.toContain('SECRETO_DE_OTRA_ALUMNA');
      expect(seen.dirs[paths.dags]).toEqual(['cauce_curiosa']);
      expect(seen.dirs[other]).toMatch(/^DENIED /);
      expect(seen.dirs[stateDir]).toEqual(['home']);
      // Only the API is relayed in; the site and every other loopback port are closed.
      for (const port of probe.ports) expect(seen.ports[String(port)], `port ${port}`).toMatch(/^CLOSED /);
      // The api-server is relayed in, but only its Execution API, and only for this student's DAGs.
      expect(seen.http).toEqual({ rest: 403, token: 403, otherXcom: 403, otherTrigger: 403 });
      // BashOperator ran /usr/bin inside the same sandbox.
      expect(shellLog).toMatch(/\b615\d\d\b/);
      const ran = await launched(sent.dagId, 2);
      for (const line of ran) expect(line).toMatch(/ran as uid 615\d\d: exit 0, finished/);
    } finally {
      site.close();
    }
  }, 240_000);

  it('el código de nivel superior de un DAG enviado se lee aislado: sin secretos, sin otras carpetas, sin red', async () => {
    const other = path.join(target.dagsDir, 'cauce_otra_alumna');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'secreto.py'), '# SECRETO_DE_OTRA_ALUMNA\n');
    const home = path.join(stateDir, 'home');
    const airflowPort = Number(new URL(target.apiUrl).port);
    const probe = {
      files: [
        path.join(home, 'airflow.db'),
        path.join(home, 'airflow.cfg'),
        path.join(home, 'simple_auth_manager_passwords.json.generated'),
        path.join(stateDir, 'secrets.json'),
        path.join(other, 'secreto.py'),
        '/proc/1/environ',
      ],
      dirs: [target.dagsDir, home, stateDir, other],
      ports: [airflowPort, 3000, 9092],
    };
    // Everything happens at import time, in the dag-processor's parse: what it saw goes in doc_md.
    const dag = [
      'import json, os, socket',
      'from datetime import datetime',
      'from airflow.sdk import DAG',
      `PROBE = json.loads(${JSON.stringify(JSON.stringify(probe))})`,
      'seen = {"uid": os.getuid(), "secretEnv": sorted(k for k in os.environ if any(w in k for w in ("SECRET", "FERNET", "JWT", "PASSWORD"))), "files": {}, "dirs": {}, "ports": {}}',
      'for name in PROBE["files"]:',
      '    try:',
      '        with open(name, "rb") as f:',
      '            data = f.read(20000).decode("utf-8", "replace")',
      '            seen["files"][name] = "READ " + ("SECRETO" if "SECRETO" in data else "") + ("FERNET" if "FERNET" in data else "")',
      '    except OSError as e:',
      '        seen["files"][name] = "DENIED " + type(e).__name__',
      'for name in PROBE["dirs"]:',
      '    try:',
      '        seen["dirs"][name] = sorted(os.listdir(name))',
      '    except OSError as e:',
      '        seen["dirs"][name] = "DENIED " + type(e).__name__',
      'for port in PROBE["ports"]:',
      '    try:',
      '        socket.create_connection(("127.0.0.1", port), timeout=2).close()',
      '        seen["ports"][str(port)] = "OPEN"',
      '    except OSError as e:',
      '        seen["ports"][str(port)] = "CLOSED " + type(e).__name__',
      'with DAG(dag_id="sonda", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, doc_md="CAUCE_PROBE " + json.dumps(seen)):',
      '    pass',
      '',
    ].join('\n');
    const sent = await sendToScheduler({ student: 'Curiosa', files: [{ name: 'sonda.py', content: dag }] }, target);
    const details = (await restGet(target, `/api/v2/dags/${sent.dagId}/details`)) as { doc_md: string };
    const seen = JSON.parse(details.doc_md.replace(/^CAUCE_PROBE /, '')) as {
      uid: number;
      secretEnv: string[];
      files: Record<string, string>;
      dirs: Record<string, string[] | string>;
      ports: Record<string, string>;
    };
    // A parse slot's uid (61520+), not Airflow's 61900; no key in its environment.
    expect(seen.uid).toBeGreaterThanOrEqual(61_520);
    expect(seen.uid).toBeLessThan(61_530);
    expect(seen.secretEnv).toEqual([]);
    // The lab's DB, config, passwords, keys and the other student's file are not there.
    for (const name of probe.files.filter((f) => !f.startsWith('/proc/'))) expect(seen.files[name], name).toMatch(/^DENIED /);
    expect(seen.files['/proc/1/environ']).not.toMatch(/FERNET|SECRETO/);
    expect(seen.dirs[target.dagsDir]).toEqual(['cauce_curiosa']);
    expect(seen.dirs[other]).toMatch(/^DENIED /);
    // Only the empty folders bwrap makes on the way down to the student's folder.
    expect(seen.dirs[home]).toEqual([path.relative(home, target.dagsDir).split(path.sep)[0]]);
    expect(seen.dirs[stateDir]).toEqual(['home']);
    // No network at all while parsing, not even the api-server.
    for (const port of probe.ports) expect(seen.ports[String(port)], `port ${port}`).toMatch(/^CLOSED /);
    expect(
      launcherLog.some((line) => /^\[airflow-parse\] cauce_curiosa\/sonda\.py parsed as uid 6152\d: exit 0, finished/.test(line)),
      launcherLog.join('\n'),
    ).toBe(true);
  }, 180_000);

  it('un DAG enviado no puede registrar DAGs con el prefijo de otro alumno', async () => {
    // The dag_id is built at import time, so the site's rewriting of dag_id="…" cannot prefix it.
    const files = [
      {
        name: 'robo.py',
        content: [
          '# dag_id="robo"',
          'from datetime import datetime',
          'from airflow.sdk import DAG',
          'with DAG(**{"dag_id": "otra_alumna" + "__robado"}, start_date=datetime(2024, 1, 1), schedule=None):',
          '    pass',
          '',
        ].join('\n'),
      },
    ];
    await expect(sendToScheduler({ student: 'Ladrona', files }, target, { pickupTimeoutMs: 60_000 })).rejects.toThrow(
      /Cauce no registró 'otra_alumna__robado': cada DAG de esta carpeta debe llevar el prefijo «ladrona__»/,
    );
    expect(await restGet(target, '/api/v2/dags/otra_alumna__robado', [404])).toBeNull();
  }, 90_000);

  it('una tarea que se difiere a un «trigger» que no es de confianza no ejecuta nada en el triggerer', async () => {
    const marker = path.join(stateDir, 'home', 'TRIGGER_EJECUTADO');
    // The triggerer imports the classpath a deferring task names and calls it with the task's
    // kwargs, as the Airflow uid with the lab's keys: os.system(command=...) would be a shell.
    const dag = [
      'from datetime import datetime, timedelta',
      'from airflow.sdk import DAG, BaseOperator',
      'from airflow.triggers.base import BaseTrigger, TriggerEvent',
      'class Propio(BaseTrigger):',
      '    def serialize(self):',
      `        return ("os.system", {"command": ${JSON.stringify(`id -u > ${marker}`)}})`,
      '    async def run(self):',
      '        yield TriggerEvent("hecho")',
      'class Espera(BaseOperator):',
      '    def execute(self, context):',
      '        self.defer(trigger=Propio(), method_name="seguir", timeout=timedelta(seconds=60))',
      '    def seguir(self, context, event=None):',
      '        return event',
      'with DAG(dag_id="diferido", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):',
      '    Espera(task_id="espera")',
      '',
    ].join('\n');
    const sent = await sendToScheduler({ student: 'Tramposa', files: [{ name: 'diferido.py', content: dag }] }, target);
    const status = await untilEnded(sent.dagId, sent.dagRunId);
    expect(status).toMatchObject({ state: 'failed', ended: true });
    expect(existsSync(marker)).toBe(false);
    expect(
      airflowLog.some((line) => line.startsWith('[triggerer]') && line.includes('classpath=os.system') && line.includes('only runs its trusted triggers (time waits)')),
      airflowLog.filter((l) => l.includes('rigger')).join('\n'),
    ).toBe(true);
  }, 240_000);

  it('un DAG que no carga devuelve el error de importación de Airflow', async () => {
    const files = [{ name: 'roto.py', content: 'from airflow.sdk import DAG\nimport no_existe\nwith DAG(dag_id="roto"):\n    pass\n' }];
    await expect(sendToScheduler({ student: 'alumna', files }, target, { pickupTimeoutMs: 60_000 })).rejects.toThrow(
      /no pudo cargar tu DAG: ModuleNotFoundError: No module named 'no_existe'/,
    );
  }, 90_000);
});

/** GET on Airflow's REST API as the lab's admin; null for an expected error status. */
async function restGet(target: SchedulerTarget, route: string, nullOn: number[] = []): Promise<unknown> {
  const auth = await fetch(new URL('/auth/token', target.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: target.username, password: target.password }),
  });
  const { access_token: token } = (await auth.json()) as { access_token: string };
  const response = await fetch(new URL(route, target.apiUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  if (nullOn.includes(response.status)) return null;
  expect(response.status, route).toBe(200);
  return response.json();
}

/** A task try's log as the api-server serves it (it reads the file the sandbox wrote). */
async function taskLog(target: SchedulerTarget, dagId: string, dagRunId: string, taskId: string): Promise<string> {
  const auth = await fetch(new URL('/auth/token', target.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: target.username, password: target.password }),
  });
  const { access_token: token } = (await auth.json()) as { access_token: string };
  const route = `/api/v2/dags/${encodeURIComponent(dagId)}/dagRuns/${encodeURIComponent(dagRunId)}/taskInstances/${encodeURIComponent(taskId)}/logs/1?full_content=true`;
  const response = await fetch(new URL(route, target.apiUrl), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { content: unknown[] };
  // One JSON line per structured log entry, as the file holds them.
  return body.content.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry))).join('\n');
}
