/**
 * "Enviar al scheduler" against a real embedded Airflow (api-server, scheduler,
 * dag-processor, triggerer) started on its own port in a temp folder, plus the pure helpers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirflow, type RunningAirflow } from '@/lab/airflow/start';
import { airflowInstallDir } from '@/lib/sandbox/kinds/airflow-worker';
import {
  namespaceDagIds,
  pollDagRun,
  schedulerTargetFromEnv,
  sendToScheduler,
  SchedulerError,
  studentNamespace,
  type SchedulerTarget,
} from './airflow-scheduler';
import { lessonFile } from './airflow-test-helpers';

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
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'cauce-airflow-'));

  beforeAll(async () => {
    const installed = path.join(airflowInstallDir(), 'installed');
    if (!existsSync(installed)) throw new Error(`Airflow no está instalado (${installed}): ejecuta npx tsx lab/cli.ts prepare-airflow (npm test lo hace).`);
    const port = 18_580 + Math.floor(Math.random() * 100) * 3;
    airflow = await startAirflow({ log: () => undefined, server: { port, stateDir } });
    target = schedulerTargetFromEnv(airflow.env as unknown as NodeJS.ProcessEnv);
  }, 240_000);

  afterAll(async () => {
    await airflow?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('las credenciales se generan al arrancar y no están en el repositorio', () => {
    expect(target.password).toMatch(/^[A-Za-z0-9_-]{12,}$/);
    expect(readFileSync(path.join(stateDir, 'secrets.json'), 'utf8')).toContain(target.password);
  });

  it('el DAG del operador TarGz llega al scheduler, se activa, se lanza y termina bien', async () => {
    const files = [lessonFile('definicion-plugin', 'backup_dag.py'), lessonFile('definicion-plugin', 'tar_gz_operator.py')];
    const sent = await sendToScheduler({ student: 'Alumna de prueba', files }, target);
    expect(sent.dagId).toBe('alumna_de_prueba__test_plugin');
    expect(sent.url).toMatch(/\/dags\/alumna_de_prueba__test_plugin\/runs\//);
    let status = await pollDagRun(sent.dagId, sent.dagRunId, target);
    for (let i = 0; i < 90 && !status.ended; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      status = await pollDagRun(sent.dagId, sent.dagRunId, target);
    }
    expect(status).toMatchObject({ state: 'success', ended: true });
    expect(status.tasks.map((t) => t.state)).toEqual(['success', 'success']);
  }, 180_000);

  it('un DAG que no carga devuelve el error de importación de Airflow', async () => {
    const files = [{ name: 'roto.py', content: 'from airflow.sdk import DAG\nimport no_existe\nwith DAG(dag_id="roto"):\n    pass\n' }];
    await expect(sendToScheduler({ student: 'alumna', files }, target, { pickupTimeoutMs: 60_000 })).rejects.toThrow(
      /no pudo cargar tu DAG: ModuleNotFoundError: No module named 'no_existe'/,
    );
  }, 90_000);
});
