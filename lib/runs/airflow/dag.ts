import { CauceError, studentMessage } from '@/lib/errors';
import type { DagWorkerLimits } from '@/lib/limits';
import { defaultDagWorkerPool, type DagWorkerPool } from './pool';
import type { WorkerEvent } from './protocol';
import type { WorkerEnd } from './worker';
import { AIRFLOW_MESSAGES, validateDagFiles } from './messages';
import type { Run } from '../run';
import { TaskState, type EndReason, type RunEvent } from '../schema';

type Emit = (event: RunEvent) => void;

/**
 * Runs an airflow-dag snippet: takes a warm worker from the pool, hands it the student's
 * files and turns the worker's protocol into RunEvents (graph, task states, logs, XComs,
 * diagnostics) until the exit event. Every path ends with exactly one exit event.
 */
export async function executeAirflowDag(run: Run, pool: DagWorkerPool = defaultDagWorkerPool()): Promise<void> {
  const started = Date.now();
  const emit: Emit = (event) => run.emit(event);
  const exit = (reason: EndReason, message: string, durationMs = Date.now() - started) => emit({ type: 'exit', reason, exitCode: null, durationMs, message });

  const files = run.request.files.map((f) => ({ name: f.name, content: f.content }));
  const invalid = validateDagFiles(files);
  if (invalid) return exit('failed', invalid);

  emit({ type: 'status', state: 'starting', message: AIRFLOW_MESSAGES.starting });
  let worker;
  try {
    worker = await pool.take();
  } catch (error) {
    // A busy pool is expected and says so itself; anything else (Airflow not installed) is logged.
    if (!(error instanceof CauceError && error.retriable)) console.error('[runs] airflow-dag: no worker', error);
    return exit('lab-unavailable', studentMessage(error, AIRFLOW_MESSAGES.labUnavailable));
  }
  if (run.abort.signal.aborted) {
    worker.giveBack(); // unused: still warm and clean
    return exit('stopped', AIRFLOW_MESSAGES.stopped);
  }

  emit({ type: 'status', state: 'running', message: AIRFLOW_MESSAGES.running });
  const translator = new EventTranslator(emit, started);
  const end = await worker.run({ files }, (event) => translator.handle(event), run.abort.signal);
  const { reason, message } = finalOutcome(end, translator, pool.limits);
  if (reason === 'error') console.error('[runs] airflow-dag worker crashed', end);
  exit(reason, message);
}

/**
 * The one state a mapped task shows for all its instances: the most urgent one, in the order
 * of Airflow's own grid (a failed instance marks the task failed, a running one keeps it running).
 */
const MAPPED_SUMMARY: readonly TaskState[] = ['failed', 'upstream_failed', 'up_for_retry', 'queued', 'scheduled', 'running', 'success', 'skipped'];

/** Worker protocol -> RunEvents; remembers what the exit message needs. */
export class EventTranslator {
  result: Extract<WorkerEvent, { event: 'result' }> | undefined;
  diagnostic: Extract<WorkerEvent, { event: 'diagnostic' }> | undefined;
  /** Tasks running now, in the order they started (several at once: independent tries overlap). */
  private readonly runningNow: string[] = [];
  /** A task that failed and waits for its retry_delay (dag.test() really waits). */
  retrying: string | undefined;
  readonly failedTasks: string[] = [];
  /** State of each instance of a mapped task, by task id then map index. */
  private readonly instances = new Map<string, Map<number, TaskState>>();
  /** Last state sent per task id (a mapped task's summary changes less often than its instances). */
  private readonly shown = new Map<string, TaskState>();

  constructor(
    private readonly emit: Emit,
    private readonly started: number,
  ) {}

  handle(event: WorkerEvent): void {
    switch (event.event) {
      case 'dag':
        this.emit({ type: 'dag', dagId: event.dagId, tasks: event.tasks, edges: event.edges });
        return;
      case 'task': {
        const state = TaskState.safeParse(event.state);
        if (!state.success) return;
        this.retrying = state.data === 'up_for_retry' ? event.taskId : this.retrying === event.taskId ? undefined : this.retrying;
        if (state.data === 'failed' && !this.failedTasks.includes(event.taskId)) this.failedTasks.push(event.taskId);
        const shown = event.mapIndex === undefined ? state.data : this.summarize(event.taskId, event.mapIndex, state.data);
        this.track(event.taskId, shown);
        if (event.mapIndex !== undefined && this.shown.get(event.taskId) === shown) return;
        this.shown.set(event.taskId, shown);
        this.emit({ type: 'task', taskId: event.taskId, state: shown, at: Date.now() - this.started });
        return;
      }
      case 'log':
        this.emit({ type: 'log', taskId: event.taskId, text: event.text });
        return;
      case 'output':
        this.emit({ type: 'stdout', text: `${event.text}\n` });
        return;
      case 'xcom':
        this.emit({ type: 'xcom', taskId: event.taskId, key: event.key, value: event.value });
        return;
      case 'file':
        this.emit({ type: 'file', path: event.path, size: event.size });
        return;
      case 'diagnostic':
        // What the lab lacks explains a failed run better than the traceback it caused.
        if (!this.diagnostic || (event.code === 'missing-in-lab' && this.diagnostic.code !== 'missing-in-lab')) this.diagnostic = event;
        this.emit({ type: 'diagnostic', file: event.file, line: event.line, column: event.column, message: event.message });
        if (event.detail) this.emit({ type: 'stderr', text: `${event.detail}\n` });
        return;
      case 'result':
        this.result = event;
        return;
      default:
        return; // ready, fatal, done: bookkeeping of the pool
    }
  }

  /** The task a wall-clock stop interrupted: the one running longest (or the last one that ran). */
  get running(): string | undefined {
    return this.runningNow[0] ?? this.lastRunning;
  }

  private lastRunning: string | undefined;

  /** `state` is what the student sees: a mapped task runs while any of its instances does. */
  private track(taskId: string, state: TaskState): void {
    const at = this.runningNow.indexOf(taskId);
    if (state === 'running') {
      this.lastRunning = taskId;
      if (at === -1) this.runningNow.push(taskId);
    } else if (at !== -1 && state !== 'queued') {
      this.runningNow.splice(at, 1);
    }
  }

  private summarize(taskId: string, mapIndex: number, state: TaskState): TaskState {
    const states = this.instances.get(taskId) ?? new Map<number, TaskState>();
    this.instances.set(taskId, states.set(mapIndex, state));
    const present = new Set(states.values());
    return MAPPED_SUMMARY.find((candidate) => present.has(candidate)) ?? state;
  }
}

/** Python's words for a full /tmp (the worker's tmpfs): a full disk, not a DAG that cannot load. */
const DISK_FULL = /No space left on device|Errno 28|File too large|Errno 27/;

function finalOutcome(end: WorkerEnd, events: EventTranslator, limits: DagWorkerLimits): { reason: EndReason; message: string } {
  // Memory first: a tree squeezed against its budget also runs slowly into the time limit.
  if (end.oomKilled && end.reason !== 'stopped' && events.result?.state !== 'success') {
    return { reason: 'memory-limit', message: AIRFLOW_MESSAGES.memoryLimit(limits.memoryMb) };
  }
  switch (end.reason) {
    case 'timeout':
      if (events.retrying) return { reason: 'timeout', message: AIRFLOW_MESSAGES.retryTimeout(limits.wallMs, events.retrying) };
      return { reason: 'timeout', message: AIRFLOW_MESSAGES.timeout(limits.wallMs, events.running) };
    case 'memory-limit':
      return { reason: 'memory-limit', message: AIRFLOW_MESSAGES.memoryLimit(limits.memoryMb) };
    case 'stopped':
      return { reason: 'stopped', message: AIRFLOW_MESSAGES.stopped };
    case 'output-limit':
      return { reason: 'output-limit', message: AIRFLOW_MESSAGES.outputLimit };
    case 'cpu-limit':
      return { reason: 'cpu-limit', message: AIRFLOW_MESSAGES.cpuLimit };
    default:
      break;
  }
  const result = events.result;
  if (!result) return { reason: 'error', message: AIRFLOW_MESSAGES.crashed };
  if (result.state === 'success') return { reason: 'finished', message: AIRFLOW_MESSAGES.success(result.dagId ?? 'DAG') };
  if (events.diagnostic && DISK_FULL.test(`${events.diagnostic.message}\n${events.diagnostic.detail ?? ''}`)) {
    return { reason: 'failed', message: AIRFLOW_MESSAGES.diskFull(limits.tmpfsMb) };
  }
  if (events.diagnostic) return { reason: 'failed', message: events.diagnostic.message };
  return { reason: 'failed', message: AIRFLOW_MESSAGES.dagFailed(result.dagId ?? 'DAG', events.failedTasks) };
}
