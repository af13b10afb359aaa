/**
 * Every Reto of every lesson, walked against the real lab as a student would: its starter code
 * fails with the requirement its definition names, its solution passes. A Kafka broker of its
 * own (the Retos' setup and checks through the student's SCRAM principal) and a DAG worker pool,
 * both real; the runs go through the same executors and sandbox as the page's.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KafkaBroker } from '@/lab/kafka/broker';
import { freePortPair, tempStateDir } from '@/lab/kafka/test-helpers';
import { exerciseIndex } from '@/lib/content/runnables';
import { DagWorkerPool } from '@/lib/runs/airflow/pool';
import { assertAirflowLab } from '@/lib/runs/airflow/test-helpers';
import { releaseSiteLab, stubSiteLabEnv } from '@/lib/runs/kafka-test-helpers';
import type { ExerciseMeta, Verdict } from './schema';
import { TEST_UIDS } from '@/lib/sandbox/uids';

const MINUTE = 60_000;
const FIRST_UID = TEST_UIDS.retos;
const STUDENT = 'Reto';

const exercises = [...(await exerciseIndex()).values()];

describe('cada reto de cada lección, contra el laboratorio real', () => {
  let broker: KafkaBroker;
  let stateDir: string;
  let pool: DagWorkerPool;
  const checkMs: number[] = [];
  const walkStarted = Date.now();

  beforeAll(async () => {
    assertAirflowLab();
    stateDir = tempStateDir('retos');
    broker = new KafkaBroker({ port: await freePortPair(), stateDir });
    await broker.prepare();
    await broker.start();
    await broker.waitHealthy(2 * MINUTE);
    stubSiteLabEnv({ brokers: broker.brokers, adminSasl: broker.adminSasl, mode: 'embedded' });
    vi.stubEnv('AIRFLOW_API_URL', 'http://127.0.0.1:1');
    pool = new DagWorkerPool({ firstUid: FIRST_UID, slots: 2, size: 1, root: '/run/cauce-retos-test' });
    pool.warm();
    (await pool.take()).dispose();
  }, 5 * MINUTE);

  afterAll(async () => {
    const sorted = [...checkMs].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    console.log(
      `[retos] ${exercises.length} retos recorridos en ${((Date.now() - walkStarted) / 1000).toFixed(1)} s; fin de la ejecución → veredicto p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`,
    );
    await pool?.close();
    await releaseSiteLab();
    await broker?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, MINUTE);

  /** One attempt as «Ejecutar y comprobar» makes it: the Reto's setup, the run, the verdict. */
  async function attempt(meta: ExerciseMeta, files: ExerciseMeta['starter']): Promise<{ verdict: Verdict; output: string }> {
    const { Run } = await import('@/lib/runs/run');
    const { findExercise } = await import('./exercises');
    const { prepareExercise } = await import('./prepare');
    const { judge } = await import('./check');
    const definition = findExercise(meta.id)!;
    await prepareExercise(definition, STUDENT);
    const run = new Run({ lesson: meta.lesson, snippet: meta.id, kind: meta.kind, files: files.map((f) => ({ name: f.name, content: f.code })) }, { student: STUDENT });
    if (meta.kind === 'kafka-ts') {
      const { executeKafkaSnippet } = await import('@/lib/runs/kafka-ts');
      await executeKafkaSnippet(run);
    } else {
      const { executeAirflowDag } = await import('@/lib/runs/airflow/dag');
      await executeAirflowDag(run, pool);
    }
    const events = run.history();
    const verdict = await judge({ exercise: meta.id, definition, runId: run.id, student: STUDENT, events, request: run.request, endedAt: run.endedAt });
    checkMs.push(verdict.checkMs);

    const output = events
      .map((e) => (e.type === 'stdout' || e.type === 'stderr' ? e.text : e.type === 'exit' || e.type === 'notice' || e.type === 'diagnostic' ? `[${e.type}] ${e.message}\n` : ''))
      .join('')
      .slice(-3000);
    return { verdict, output };
  }

  const unmet = (verdict: Verdict) => verdict.requirements.filter((r) => !r.met);

  it.each(exercises.map((meta) => [meta.id, meta] as const))('%s: el código de partida falla por su requisito y la solución pasa', { timeout: 3 * MINUTE }, async (_id, meta) => {
    const { findExercise } = await import('./exercises');
    const expected = findExercise(meta.id)!.starterFails;

    const starter = await attempt(meta, meta.starter);
    expect(starter.verdict.inconclusive, starter.verdict.summary).toBe(false);
    expect(starter.verdict.passed, starter.output).toBe(false);
    expect(
      unmet(starter.verdict).map((r) => r.id),
      starter.output,
    ).toContain(expected);
    const missed = starter.verdict.requirements.find((r) => r.id === expected)!;
    expect(missed.detail).toMatch(/\S/);

    const solution = await attempt(meta, meta.solution);
    expect(solution.verdict.inconclusive, solution.verdict.summary).toBe(false);
    expect(
      unmet(solution.verdict).map((r) => `${r.id}: ${r.detail}`),
      solution.output,
    ).toEqual([]);
    expect(solution.verdict.passed).toBe(true);
    expect(solution.verdict.summary).toMatch(/^¡Reto superado!/);
  });
});
