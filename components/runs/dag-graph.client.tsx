'use client';

import type { TaskState } from '@/lib/runs/schema';
import { layoutDag, NODE_HEIGHT, NODE_WIDTH } from './dag-layout';

export interface DagView {
  dagId: string;
  tasks: { id: string; operator: string }[];
  edges: [string, string][];
  /** Latest state per task. */
  states: Record<string, TaskState>;
  /** When each task started running and reached a final state (ms since the run started). */
  times: Record<string, { start?: number; end?: number }>;
}

export const STATE_LABEL: Record<TaskState | 'none', string> = {
  none: 'sin ejecutar',
  scheduled: 'programada',
  queued: 'en cola',
  running: 'ejecutándose',
  success: 'éxito',
  failed: 'fallida',
  skipped: 'omitida',
  upstream_failed: 'falló una anterior',
  up_for_retry: 'reintento pendiente',
};

function duration(times: DagView['times'][string] | undefined): string | undefined {
  if (times?.start === undefined || times.end === undefined) return undefined;
  return `${((times.end - times.start) / 1000).toFixed(1)} s`;
}

/**
 * The DAG as Airflow's Graph view draws it, coloured live by task state (it replaces the
 * article's screenshots). Nodes carry data-state so tests and assistive tech can read them.
 */
export function DagGraph({ dag }: { dag: DagView }) {
  const { nodes, width, height } = layoutDag(
    dag.tasks.map((t) => t.id),
    dag.edges,
  );
  const pad = 6;
  return (
    <figure className="dag-graph" aria-label={`Grafo del DAG ${dag.dagId}`}>
      <figcaption>
        DAG <code>{dag.dagId}</code> · {dag.tasks.length} tareas
      </figcaption>
      <div className="dag-scroll">
        <svg width={width + pad * 2} height={height + pad * 2} viewBox={`${-pad} ${-pad} ${width + pad * 2} ${height + pad * 2}`} aria-hidden="true">
          <defs>
            <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="dag-arrow" />
            </marker>
          </defs>
          {dag.edges.map(([from, to]) => {
            const a = nodes.get(from);
            const b = nodes.get(to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_WIDTH;
            const y1 = a.y + NODE_HEIGHT / 2;
            const x2 = b.x - 2;
            const y2 = b.y + NODE_HEIGHT / 2;
            const mid = (x1 + x2) / 2;
            return <path key={`${from}->${to}`} className="dag-edge" d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} markerEnd="url(#dag-arrow)" />;
          })}
          {dag.tasks.map((task) => {
            const node = nodes.get(task.id)!;
            const state = dag.states[task.id] ?? 'none';
            return (
              <g key={task.id} transform={`translate(${node.x} ${node.y})`} className={`dag-node state-${state}`}>
                <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="6" />
                <text x="10" y="14" className="dag-node-id">
                  {task.id.length > 18 ? `${task.id.slice(0, 17)}…` : task.id}
                </text>
                <text x="10" y="27" className="dag-node-meta">
                  {duration(dag.times[task.id]) ?? task.operator}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <ul className="dag-legend" aria-label="Estado de las tareas">
        {dag.tasks.map((task) => {
          const state = dag.states[task.id] ?? 'none';
          return (
            <li key={task.id} data-task-id={task.id} data-state={state} className={`state-${state}`}>
              <span className="dag-swatch" aria-hidden="true" />
              {task.id}: {STATE_LABEL[state]}
              {duration(dag.times[task.id]) && ` (${duration(dag.times[task.id])})`}
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

/** After the run: when each task ran, as bars on a shared time axis (Airflow's Gantt view). */
export function DagTimeline({ dag }: { dag: DagView }) {
  const bars = dag.tasks
    .map((t) => ({ id: t.id, ...dag.times[t.id], state: dag.states[t.id] ?? 'none' }))
    .filter((b): b is typeof b & { start: number; end: number } => b.start !== undefined && b.end !== undefined)
    .sort((a, b) => a.start - b.start); // Gantt order: as they ran
  if (bars.length === 0) return null;
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(...bars.map((b) => b.end));
  const span = Math.max(1, t1 - t0);
  return (
    <figure className="dag-timeline" aria-label="Cronología de las tareas">
      <figcaption>Cronología ({((t1 - t0) / 1000).toFixed(1)} s)</figcaption>
      <ol>
        {bars.map((bar) => (
          <li key={bar.id} data-timeline-task={bar.id} data-start={bar.start} data-end={bar.end}>
            <span className="timeline-label">{bar.id}</span>
            <span className="timeline-track">
              <span
                className={`timeline-bar state-${bar.state}`}
                style={{ left: `${((bar.start - t0) / span) * 100}%`, width: `${Math.max(1, ((bar.end - bar.start) / span) * 100)}%` }}
                title={`${bar.id}: ${((bar.end - bar.start) / 1000).toFixed(2)} s`}
              />
            </span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
