'use client';

import { useEffect, useRef } from 'react';
import { RUN_STATUS_LABELS } from '@/lib/runs/messages';
import type { KafkaRecord } from '@/lib/runs/schema';
import { DagGraph, DagTimeline } from './dag-graph.client';
import { JobProgress } from './job-progress.client';
import { MicroBatchChart } from './micro-batch-chart.client';
import { RunObjects } from './s3-objects.client';
import { PrerequisitesTable } from './prerequisites-table.client';
import { TopicView } from './topic-view.client';
import type { RunView } from './use-run.client';

function seconds(ms: number) {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Rows of the record table: the latest ones. */
const TABLE_ROWS = 100;

function RecordTable({ records }: { records: KafkaRecord[] }) {
  return (
    <table className="record-table">
      <caption className="visually-hidden">Mensajes producidos y consumidos</caption>
      <thead>
        <tr>
          <th scope="col">Acción</th>
          <th scope="col">Tema</th>
          <th scope="col">Partición</th>
          <th scope="col">Offset</th>
          <th scope="col">Clave</th>
          <th scope="col">Valor</th>
        </tr>
      </thead>
      <tbody>
        {records.slice(-TABLE_ROWS).map((r, i) => (
          <tr key={i}>
            <td>{r.direction === 'produced' ? 'Producido' : `Consumido${r.consumer ? ` (${r.consumer})` : ''}`}</td>
            <td>{r.topic}</td>
            <td>{r.partition}</td>
            <td>{r.offset}</td>
            <td>{r.key ?? '—'}</td>
            <td className="record-value">{r.value ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function tableSummary(view: RunView): string {
  const received = Object.values(view.recordCounts).reduce((sum, n) => sum + n, 0);
  const all = received + (view.recordsBeyond?.total ?? 0);
  const shown = Math.min(view.records.length, TABLE_ROWS);
  if (all <= shown) return `Ver ${all === 1 ? 'el mensaje' : `los ${all} mensajes`} en una tabla`;
  return `Ver los últimos ${shown} mensajes en una tabla (de ${all.toLocaleString('es-ES')})`;
}

/** The run's live output under the editor: status, stdout/stderr, Kafka records, and how it ended. */
export function OutputPanel({ view }: { view: RunView }) {
  // When the lab failed under the run, its stack traces are not the student's to read first: folded under the explanation.
  const foldErrors = view.exit?.reason === 'lab-unavailable';
  const shownLines = foldErrors ? view.lines.filter((line) => line.stream !== 'stderr') : view.lines;
  const foldedLines = foldErrors ? view.lines.filter((line) => line.stream === 'stderr') : [];
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = log.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [view.lines]);

  if (view.phase === 'idle') return null;
  const live = view.phase !== 'ended';
  return (
    <div className="output" aria-label="Salida de la ejecución" role="region">
      <div className="output-status" role="status" aria-live="polite">
        {live && <span className="spinner" aria-hidden="true" />}
        {live && (view.stopping ? 'Deteniendo…' : view.status?.message)}
        {view.exit && (
          <span className={`exit exit-${view.exit.reason}`}>
            <strong>{RUN_STATUS_LABELS[view.exit.reason] ?? view.exit.reason}</strong>
            {' · '}
            {seconds(view.exit.durationMs)}
            {view.exit.exitCode !== null && ` · código ${view.exit.exitCode}`}
          </span>
        )}
      </div>
      {view.problem && (
        <p className="output-problem" role="alert">
          {view.problem}
        </p>
      )}
      {view.dag && <DagGraph dag={view.dag} />}
      {view.dag && view.phase === 'ended' && <DagTimeline dag={view.dag} />}
      {view.xcoms.length > 0 && (
        <dl className="xcoms" aria-label="Valores XCom devueltos">
          {view.xcoms.map((x, i) => (
            <div key={i}>
              <dt>
                XCom de <code>{x.taskId}</code> ({x.key})
              </dt>
              <dd>
                <code>{x.value}</code>
              </dd>
            </div>
          ))}
        </dl>
      )}
      {view.exit && view.exit.reason !== 'finished' && <p className="output-exit-message">{view.exit.message}</p>}
      {view.jobs.length > 0 && <JobProgress jobs={view.jobs} />}
      {view.spark && <MicroBatchChart batches={view.spark.batches} summary={view.spark.summary} />}
      {view.spark?.objects && <RunObjects {...view.spark.objects} added={view.spark.added} />}
      {(shownLines.length > 0 || view.hiddenLines > 0) && (
        <div
          className="output-log"
          ref={log}
          tabIndex={0}
          aria-label="Salida del programa"
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
          }}
        >
          {view.hiddenLines > 0 && <div className="line line-notice">… {view.hiddenLines} líneas anteriores no se muestran</div>}
          {shownLines.map((line, i) => (
            <div key={i} className={`line line-${line.stream}`}>
              {line.stream === 'stderr' && <span className="visually-hidden">error: </span>}
              {line.task && <span className="line-task">{line.task}</span>}
              {line.text}
            </div>
          ))}
        </div>
      )}
      {foldedLines.length > 0 && (
        <details className="output-technical">
          <summary>Ver el detalle técnico ({foldedLines.length === 1 ? '1 línea' : `${foldedLines.length} líneas`} de la salida de errores)</summary>
          <pre>{foldedLines.map((line) => line.text).join('\n')}</pre>
        </details>
      )}
      {view.prerequisites && <PrerequisitesTable table={view.prerequisites} />}
      {(view.records.length > 0 || view.recordsBeyond) && (
        <>
          <TopicView records={view.records} counts={view.recordCounts} beyond={view.recordsBeyond} />
          <details className="record-details">
            <summary>{tableSummary(view)}</summary>
            <RecordTable records={view.records} />
          </details>
        </>
      )}
    </div>
  );
}
