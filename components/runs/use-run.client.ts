'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { startRun, stopRun } from '@/app/runs/actions';
import type { KafkaRecord, RunEvent, RunRequest } from '@/lib/runs/schema';
import type { DagView } from './dag-graph.client';
import type { JobView } from './job-progress.client';
import type { PrerequisitesView } from './prerequisites-table.client';
import { applySparkEvent, type SparkView } from './spark-view';

type Diagnostic = Extract<RunEvent, { type: 'diagnostic' }>;
type Exit = Extract<RunEvent, { type: 'exit' }>;
type Status = Extract<RunEvent, { type: 'status' }>;
/** The server's counts of the records past its budget (lib/runs/records.ts). */
export type RecordsSummary = Extract<RunEvent, { type: 'records-summary' }>;

export interface OutputLine {
  stream: 'stdout' | 'stderr' | 'notice';
  text: string;
  /** Airflow task whose log this line belongs to. */
  task?: string;
}

const FINAL_STATES = new Set(['success', 'failed', 'skipped', 'upstream_failed']);

export interface RunView {
  phase: 'idle' | 'starting' | 'queued' | 'running' | 'ended';
  /** The run being followed (or that ended), once the server accepted it. */
  runId?: string;
  status?: Status;
  lines: OutputLine[];
  /** Lines not kept in the page to keep it responsive (the server caps output at 1 MB anyway). */
  hiddenLines: number;
  /** The latest records received (the page keeps the last {@link MAX_RECORDS}). */
  records: KafkaRecord[];
  /** Record events received in all, per lane (`direction topic partition`): the picture's totals. */
  recordCounts: Record<string, number>;
  /** Records the server only counted, past its budget; the latest summary replaces the previous one. */
  recordsBeyond?: RecordsSummary;
  diagnostics: Diagnostic[];
  /** Airflow runs: the parsed DAG with live task states. */
  dag?: DagView;
  xcoms: { taskId: string; key: string; value: string }[];
  /** Shell runs with a probe: the prerequisites the server measured in the sandbox after the script. */
  prerequisites?: PrerequisitesView;
  /** Shell runs that submit MapReduce jobs: each job's latest progress, in order. */
  jobs: JobView[];
  /** pyspark runs: the micro-batches, the S3 objects written and the end's summary. */
  spark?: SparkView;
  exit?: Exit;
  /** A problem starting the run (bad input, syntax error, lost connection), in Spanish. */
  problem?: string;
  /** "Detener" was pressed and the run has not ended yet: said at once, not when the exit comes. */
  stopping?: boolean;
}

const MAX_LINES = 2_000;
const MAX_RECORDS = 500;
const IDLE: RunView = { phase: 'idle', lines: [], hiddenLines: 0, records: [], recordCounts: {}, diagnostics: [], xcoms: [], jobs: [] };

/** The key of a record's lane in {@link RunView.recordCounts}. */
export function laneKey(record: Pick<KafkaRecord, 'direction' | 'topic' | 'partition'>): string {
  return `${record.direction}\u0000${record.topic}\u0000${record.partition}`;
}

function apply(view: RunView, events: RunEvent[]): RunView {
  // New arrays once per batch (React sees a change), appended in place while the batch lasts.
  let lines = [...view.lines];
  let records = [...view.records];
  const diagnostics = [...view.diagnostics];
  const xcoms = [...view.xcoms];
  const jobs = [...view.jobs];
  const recordCounts = { ...view.recordCounts };
  let { hiddenLines, dag, phase, status, exit, recordsBeyond, prerequisites, spark } = view;
  for (const event of events) {
    switch (event.type) {
      case 'status':
        status = event;
        phase = event.state === 'queued' ? 'queued' : event.state === 'starting' ? 'starting' : 'running';
        break;
      case 'stdout':
      case 'stderr':
      case 'notice':
        lines.push({ stream: event.type, text: 'text' in event ? event.text : event.message });
        break;
      case 'record':
        records.push(event.record);
        recordCounts[laneKey(event.record)] = (recordCounts[laneKey(event.record)] ?? 0) + 1;
        break;
      case 'records-summary':
        recordsBeyond = event;
        break;
      case 'diagnostic':
        diagnostics.push(event);
        break;
      case 'dag':
        dag = { dagId: event.dagId, tasks: event.tasks, edges: event.edges, states: {}, times: {} };
        break;
      case 'task':
        if (dag) {
          const time = { ...dag.times[event.taskId] };
          if (event.state === 'running') time.start = event.at;
          if (FINAL_STATES.has(event.state)) {
            time.start ??= event.at;
            time.end = event.at;
          }
          dag = { ...dag, states: { ...dag.states, [event.taskId]: event.state }, times: { ...dag.times, [event.taskId]: time } };
        }
        break;
      case 'log':
        lines.push({ stream: 'stdout', text: event.text, task: event.taskId });
        break;
      case 'xcom':
        xcoms.push({ taskId: event.taskId, key: event.key, value: event.value });
        break;
      case 'prerequisites':
        prerequisites = event;
        break;
      case 'hadoop-job': {
        const { type: _type, ...job } = event;
        // A job's later events replace its earlier ones; a new one starts once the last has ended.
        const last = jobs.at(-1);
        if (last && last.state === 'running') jobs[jobs.length - 1] = job;
        else jobs.push(job);
        break;
      }
      case 'spark-batch':
      case 's3-objects':
      case 'spark-summary':
        spark = applySparkEvent(spark, event);
        break;
      case 'exit':
        exit = event;
        phase = 'ended';
        break;
    }
  }
  if (lines.length > MAX_LINES) {
    hiddenLines += lines.length - MAX_LINES;
    lines = lines.slice(-MAX_LINES);
  }
  if (records.length > MAX_RECORDS) records = records.slice(-MAX_RECORDS);
  return { ...view, phase, status, exit, lines, records, recordCounts, recordsBeyond, diagnostics, hiddenLines, dag, xcoms, prerequisites, jobs, spark };
}

/** Where the page remembers an example's last run, so a reload reattaches to it. */
const storageKey = (snippet: string) => `cauce:run:${snippet}`;

function rememberedRun(snippet: string): string | null {
  try {
    return sessionStorage.getItem(storageKey(snippet));
  } catch {
    return null; // storage disabled: nothing to reattach
  }
}

function remember(snippet: string, id: string | null): void {
  try {
    if (id) sessionStorage.setItem(storageKey(snippet), id);
    else sessionStorage.removeItem(storageKey(snippet));
  } catch {
    // storage disabled or full: the run simply does not survive a reload
  }
}

/**
 * One example's run as the page sees it: starts it through the server action, follows its
 * SSE stream and applies events in animation-frame batches so heavy output cannot freeze the page.
 * The run's id is kept for the tab (sessionStorage): after a reload the page follows the same
 * run again (its whole output, once) or shows how the last one ended, while the server keeps it.
 */
export function useRun(snippet: string) {
  const [view, setView] = useState<RunView>(IDLE);
  const source = useRef<EventSource | null>(null);
  const runId = useRef<string | null>(null);
  const pending = useRef<RunEvent[]>([]);
  const frame = useRef(0);

  const flush = useCallback(() => {
    frame.current = 0;
    const events = pending.current;
    pending.current = [];
    if (events.length) setView((v) => apply(v, events));
  }, []);

  const close = useCallback(() => {
    source.current?.close();
    source.current = null;
  }, []);

  useEffect(
    () => () => {
      close();
      cancelAnimationFrame(frame.current);
    },
    [close],
  );

  /** Follows a run's SSE stream; `reattaching`: a remembered run that may be gone (then: idle). */
  const follow = useCallback(
    (id: string, reattaching: boolean) => {
      runId.current = id;
      remember(snippet, id);
      setView((v) => ({ ...v, runId: id }));
      const events = new EventSource(`/api/runs/${id}/events`);
      source.current = events;
      let heard = false;
      events.onmessage = (message) => {
        heard = true;
        // Events come from our own server, typed by the shared RunEvent schema (not re-validated
        // here, to keep zod out of the lesson page's JavaScript).
        const event = JSON.parse(message.data as string) as RunEvent;
        pending.current.push(event);
        if (event.type === 'exit') close();
        frame.current ||= requestAnimationFrame(flush);
      };
      events.onerror = () => {
        if (source.current !== events) return;
        // EventSource reconnects by itself and the server replays what was missed; only give up if it is gone.
        if (events.readyState !== EventSource.CLOSED) return;
        close();
        if (reattaching && !heard) {
          // The server no longer has it (restarted, or expired): start from a clean example.
          remember(snippet, null);
          runId.current = null;
          setView(IDLE);
          return;
        }
        setView((v) => (v.phase === 'ended' ? v : { ...v, phase: 'ended', problem: 'Se perdió la conexión con el servidor durante la ejecución.' }));
      };
    },
    [snippet, close, flush],
  );

  // After a reload: the example's last run, still going (reattached) or as it ended.
  useEffect(() => {
    const id = rememberedRun(snippet);
    if (!id || source.current) return;
    setView({ ...IDLE, phase: 'starting', status: { type: 'status', state: 'starting', message: 'Recuperando tu ejecución…' } });
    follow(id, true);
  }, [snippet, follow]);

  const start = useCallback(
    async (request: RunRequest) => {
      close();
      runId.current = null;
      setView({ ...IDLE, phase: 'starting', status: { type: 'status', state: 'starting', message: 'Enviando tu código…' } });
      let result: Awaited<ReturnType<typeof startRun>>;
      try {
        result = await startRun(request);
      } catch {
        setView({ ...IDLE, phase: 'ended', problem: 'No se pudo contactar con el servidor. Comprueba tu conexión y vuelve a intentarlo.' });
        return;
      }
      if (!result.ok) {
        setView({ ...IDLE, phase: 'ended', problem: result.message, diagnostics: result.diagnostics ?? [] });
        return;
      }
      follow(result.runId, false);
    },
    [close, follow],
  );

  const stop = useCallback(async () => {
    if (!runId.current) return;
    setView((v) => (v.phase === 'ended' ? v : { ...v, stopping: true }));
    await stopRun(runId.current).catch(() => undefined);
  }, []);

  const clear = useCallback(() => {
    close();
    remember(snippet, null);
    runId.current = null;
    setView(IDLE);
  }, [close, snippet]);

  return { view, start, stop, clear };
}
