import type { RunEvent } from '@/lib/runs/schema';
import type { CheckContext, RequirementCheck } from '../schema';

/**
 * Requirements on an Airflow run, judged on what the worker reported from Airflow itself: the
 * parsed DAG (tasks and edges), each task instance's states in order, XCom values read from the
 * metadata database, and the files the DAG left in the run's folder.
 */

type Of<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;
const of = <T extends RunEvent['type']>(context: CheckContext, type: T) => context.events.filter((e): e is Of<T> => e.type === type);

const quoted = (ids: readonly string[]) => ids.map((id) => `\`${id}\``).join(', ');

function dag(context: CheckContext): Of<'dag'> | undefined {
  return of(context, 'dag')[0];
}

const noDag = { met: false, detail: 'El DAG no llegó a cargarse: mira los errores de la salida.' };

/** The last state each task reached, and when it started and ended (ms since the run began). */
export function taskTimeline(context: CheckContext): Map<string, { state: string; startedAt?: number; endedAt?: number }> {
  const timeline = new Map<string, { state: string; startedAt?: number; endedAt?: number }>();
  for (const event of of(context, 'task')) {
    const entry = timeline.get(event.taskId) ?? { state: event.state };
    entry.state = event.state;
    if (event.state === 'running' && entry.startedAt === undefined) entry.startedAt = event.at;
    if (['success', 'failed', 'skipped', 'upstream_failed'].includes(event.state)) {
      entry.endedAt = event.at;
      entry.startedAt ??= event.at;
    }
    timeline.set(event.taskId, entry);
  }
  return timeline;
}

export function xcomOf(context: CheckContext, taskId: string, key = 'return_value'): string | undefined {
  return of(context, 'xcom').find((x) => x.taskId === taskId && x.key === key)?.value;
}

/** Every task upstream of `taskId`, directly or through others. */
function upstreamOf(edges: readonly [string, string][], taskId: string): Set<string> {
  const found = new Set<string>();
  const walk = (to: string) => {
    for (const [up, down] of edges) {
      if (down === to && !found.has(up)) {
        found.add(up);
        walk(up);
      }
    }
  };
  walk(taskId);
  return found;
}

export function hasTask(id: string, taskId: string): RequirementCheck {
  return {
    id,
    label: `El DAG tiene una tarea \`${taskId}\``,
    evaluate(context) {
      const found = dag(context);
      if (!found) return noDag;
      return found.tasks.some((t) => t.id === taskId)
        ? { met: true, detail: `La tarea \`${taskId}\` está en el DAG \`${found.dagId}\`.` }
        : { met: false, detail: `El DAG \`${found.dagId}\` no tiene ninguna tarea \`${taskId}\`; sus tareas son ${quoted(found.tasks.map((t) => t.id))}.` };
    },
  };
}

/** `taskId` depends on each of `upstream` (directly or through other tasks). */
export function dependsOn(id: string, taskId: string, upstream: readonly string[]): RequirementCheck {
  return {
    id,
    label: `\`${taskId}\` depende de ${quoted(upstream)}`,
    evaluate(context) {
      const found = dag(context);
      if (!found) return noDag;
      if (!found.tasks.some((t) => t.id === taskId)) return { met: false, detail: `No hay ninguna tarea \`${taskId}\`.` };
      const before = upstreamOf(found.edges, taskId);
      const missing = upstream.filter((u) => !before.has(u));
      return missing.length === 0
        ? { met: true, detail: `\`${taskId}\` va después de ${quoted(upstream)} en el grafo.` }
        : { met: false, detail: `\`${taskId}\` no depende de ${quoted(missing)}: falta la flecha (\`>>\`) desde ${missing.length === 1 ? 'esa tarea' : 'esas tareas'}.` };
    },
  };
}

const what = (state: string | undefined) => (state ? `acabó en ${state}` : 'no llegó a ejecutarse');

/** Every task of the DAG ended in success. */
export function allTasksSucceeded(id: string): RequirementCheck {
  return {
    id,
    label: 'Todas las tareas terminan con éxito',
    evaluate(context) {
      const found = dag(context);
      if (!found) return noDag;
      const timeline = taskTimeline(context);
      const notOk = found.tasks.filter((t) => timeline.get(t.id)?.state !== 'success');
      if (notOk.length === 0) return { met: true, detail: `Las ${found.tasks.length} tareas terminaron en success.` };
      const first = notOk[0]!;
      return {
        met: false,
        detail: `${notOk.length === 1 ? 'La tarea' : `${notOk.length} tareas no terminaron bien; la primera,`} \`${first.id}\` ${what(timeline.get(first.id)?.state)}.`,
      };
    },
  };
}

/** `taskId` started only after each of `upstream` had finished (task instance times). */
export function ranAfter(id: string, taskId: string, upstream: readonly string[]): RequirementCheck {
  return {
    id,
    label: `\`${taskId}\` se ejecuta cuando ya terminaron ${quoted(upstream)}`,
    evaluate(context) {
      const timeline = taskTimeline(context);
      const task = timeline.get(taskId);
      if (task?.startedAt === undefined) return { met: false, detail: `\`${taskId}\` no llegó a ejecutarse.` };
      const early = upstream.filter((u) => {
        const before = timeline.get(u);
        return before?.endedAt === undefined || before.endedAt > task.startedAt!;
      });
      return early.length === 0
        ? { met: true, detail: `\`${taskId}\` empezó a los ${(task.startedAt / 1000).toFixed(1).replace('.', ',')} s, cuando las demás ya habían terminado.` }
        : { met: false, detail: `\`${taskId}\` empezó antes de que ${early.length === 1 ? 'terminara' : 'terminaran'} ${quoted(early)}.` };
    },
  };
}

/** The task's XCom (its return value by default) as `expected` says. */
export function xcomIs(id: string, taskId: string, expected: string, options: { label?: string; key?: string } = {}): RequirementCheck {
  const key = options.key ?? 'return_value';
  return {
    id,
    label: options.label ?? `\`${taskId}\` devuelve ${expected} (su XCom \`${key}\`)`,
    evaluate(context) {
      const value = xcomOf(context, taskId, key);
      if (value === undefined) return { met: false, detail: `\`${taskId}\` no dejó ningún XCom \`${key}\`: su función debe devolver (\`return\`) el valor.` };
      return value.trim() === expected
        ? { met: true, detail: `\`${taskId}\` devolvió ${value}.` }
        : { met: false, detail: `\`${taskId}\` devolvió ${value}; se esperaba ${expected}.` };
    },
  };
}

/** A file the DAG created under the run's folder (CAUCE_RUN_DIR), by its relative path. */
export function createdFile(id: string, path: string): RequirementCheck {
  return {
    id,
    label: `La ejecución crea \`${path}\``,
    evaluate(context) {
      const files = of(context, 'file');
      const found = files.find((f) => f.path === path);
      if (found) return { met: true, detail: `Se creó \`${path}\` (${found.size} bytes).` };
      return {
        met: false,
        detail: files.length ? `No se creó \`${path}\`; se crearon ${quoted(files.map((f) => f.path))}.` : `La ejecución no creó ningún archivo en su carpeta.`,
      };
    },
  };
}

export function createdFiles(context: CheckContext): Of<'file'>[] {
  return of(context, 'file');
}
