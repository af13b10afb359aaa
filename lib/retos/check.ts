import type { Run } from '@/lib/runs/run';
import type { EndReason, RunEvent } from '@/lib/runs/schema';
import { readKafkaState } from './kafka-state';
import { retoLabMessage } from './messages';
import type { CheckContext, ExerciseDefinition, KafkaState, RequirementResult, Verdict } from './schema';

/** Runs that never reached the lab's state (or ended under the lab): nothing to judge. */
const INCONCLUSIVE: ReadonlySet<EndReason> = new Set(['lab-unavailable', 'error', 'interrupted']);

/** What the summary says first, by how the run ended (a run that ran is judged on what it did). */
const HOW_IT_ENDED: Partial<Record<EndReason, string>> = {
  failed: 'Tu programa terminó con un error (míralo en la salida); se comprobó lo que llegó a hacer.',
  stopped: 'Detuviste la ejecución antes de que terminara; se comprobó lo que llegó a hacer.',
  abandoned: 'La ejecución se detuvo al salir de la página; se comprobó lo que llegó a hacer.',
  timeout: 'La ejecución superó su tiempo límite y se cortó; se comprobó lo que llegó a hacer.',
  'output-limit': 'La ejecución escribió más salida de la permitida y se cortó; se comprobó lo que llegó a hacer.',
  'memory-limit': 'La ejecución superó la memoria permitida y se cortó; se comprobó lo que llegó a hacer.',
  'cpu-limit': 'La ejecución superó el tiempo de CPU permitido y se cortó; se comprobó lo que llegó a hacer.',
};

const DAG_NOT_LOADED = 'El DAG no llegó a cargarse: mira los errores de la salida.';

export interface CheckInput {
  exercise: string;
  definition: ExerciseDefinition;
  runId: string;
  student: string;
  events: readonly RunEvent[];
  request: Run['request'];
  /** When the run ended (ms), to measure run end → verdict. */
  endedAt?: number;
}

/** Judges one ended run against its exercise; never throws (a lab that cannot be read is an inconclusive verdict). */
export async function judge(input: CheckInput, readKafka: (student: string) => Promise<KafkaState> = readKafkaState): Promise<Verdict> {
  const exit = input.events.findLast((e): e is Extract<RunEvent, { type: 'exit' }> => e.type === 'exit');
  const reason: EndReason = exit?.reason ?? 'error';
  const base = { exercise: input.exercise, runId: input.runId };
  const finish = (fields: Pick<Verdict, 'passed' | 'inconclusive' | 'summary' | 'requirements'>): Verdict => ({
    ...base,
    ...fields,
    checkedAt: new Date().toISOString(),
    checkMs: input.endedAt ? Date.now() - input.endedAt : 0,
  });
  const unjudged = (summary: string) =>
    finish({
      passed: false,
      inconclusive: true,
      summary,
      requirements: input.definition.requirements.map(({ id, label }) => ({ id, label, met: false, detail: 'Sin comprobar.' })),
    });

  if (INCONCLUSIVE.has(reason)) {
    return unjudged(`No se pudo comprobar: ${exit?.message ?? 'la ejecución no terminó bien.'} Vuelve a pulsar «Ejecutar y comprobar» en unos segundos; este intento no cuenta.`);
  }
  // A DAG that never loaded (a syntax or import error) has nothing to judge but that.
  // Not an attempt, as a TypeScript syntax error is refused before it runs.
  if (input.definition.kind === 'airflow-dag' && !input.events.some((e) => e.type === 'dag')) {
    return finish({
      passed: false,
      inconclusive: true,
      summary: 'Tu DAG no llegó a cargarse (mira el error en la salida): corrígelo y vuelve a pulsar «Ejecutar y comprobar». Este intento no cuenta.',
      requirements: input.definition.requirements.map(({ id, label }) => ({ id, label, met: false, detail: DAG_NOT_LOADED })),
    });
  }
  let kafka: Promise<KafkaState> | undefined;
  const context: CheckContext = {
    reason,
    events: input.events,
    request: input.request,
    kafka: () => (kafka ??= readKafka(input.student)),
  };
  const requirements: RequirementResult[] = [];
  try {
    for (const check of input.definition.requirements) {
      const { met, detail } = await check.evaluate(context);
      requirements.push({ id: check.id, label: check.label, met, detail });
    }
  } catch (error) {
    return unjudged(`No se pudo leer el estado del laboratorio para comprobarlo; este intento no cuenta. ${retoLabMessage(error)}`);
  }
  const met = requirements.filter((r) => r.met).length;
  const passed = met === requirements.length;
  const ending = HOW_IT_ENDED[reason];
  const result = passed
    ? `¡Reto superado! Se cumplen los ${requirements.length} requisitos.`
    : `Se cumplen ${met} de ${requirements.length} requisitos: revisa los marcados con ✗.`;
  return finish({ passed, inconclusive: false, summary: ending ? `${ending} ${result}` : result, requirements });
}

/** Waits (up to `ms`) for a run to end: the page asks as soon as it sees the exit, the server may be a moment behind. */
export function whenEnded(run: Run, ms: number): Promise<boolean> {
  if (run.state === 'ended') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(run.state === 'ended');
    }, ms);
    const unsubscribe = run.subscribe((event) => {
      if (event.type !== 'exit') return;
      clearTimeout(timer);
      queueMicrotask(() => unsubscribe());
      resolve(true);
    }, run.history().length - 1);
  });
}
