import { EventEmitter } from 'node:events';
import { describeError } from './errors';

/** What the supervisor needs from a service: KafkaBroker fits, so will Airflow. */
export interface SupervisedService {
  /** Spanish name for messages, e.g. "Kafka". */
  readonly displayName: string;
  start(): Promise<void>;
  waitHealthy(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
  on(event: 'exit', listener: (exit: { expected: boolean; code: number | null; signal: string | null }) => void): unknown;
}

export interface SupervisorOptions {
  /** First restart delay; doubles on each failure in a row. @default 1000 */
  readonly initialDelayMs?: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
  /** A service up this long counts as recovered: the next failure waits initialDelayMs again. @default 60000 */
  readonly resetAfterMs?: number;
  /** How long each (re)start may take to become healthy. @default 90000 */
  readonly healthTimeoutMs?: number;
  /**
   * Restarts in a row (none stayed up resetAfterMs) before giving up: then 'gaveUp' is emitted
   * and the service stays down. @default Infinity (the lab's services are retried for as long
   * as the launcher runs)
   */
  readonly maxRestarts?: number;
  /** Where Spanish status lines go. @default console.log */
  readonly log?: (message: string) => void;
}

type State = 'idle' | 'starting' | 'running' | 'waiting' | 'stopped';

/**
 * Keeps a service running: when it dies unexpectedly it is restarted with exponential
 * backoff (1 s, 2 s, 4 s … 30 s), so a crash loop does not eat the machine, and the
 * delay resets once the service has stayed up for a minute.
 *
 * Events: 'healthy' after every successful (re)start, 'restarting' (delayMs, reason) when a
 * restart is scheduled, 'gaveUp' (the last failure) after maxRestarts restarts in a row.
 */
export class Supervisor extends EventEmitter<{ healthy: []; restarting: [number, string]; gaveUp: [string] }> {
  private readonly service: SupervisedService;
  private readonly options: Required<SupervisorOptions>;
  private state: State = 'idle';
  private failures = 0;
  private healthySince = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(service: SupervisedService, options: SupervisorOptions = {}) {
    super();
    this.service = service;
    this.options = {
      initialDelayMs: options.initialDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      resetAfterMs: options.resetAfterMs ?? 60_000,
      healthTimeoutMs: options.healthTimeoutMs ?? 90_000,
      maxRestarts: options.maxRestarts ?? Number.POSITIVE_INFINITY,
      log: options.log ?? ((message) => console.log(message)),
    };
    service.on('exit', (exit) => {
      // Exits while starting are reported by the failed start itself; expected ones
      // come from stop().
      if (exit.expected || this.state !== 'running') return;
      const how = exit.signal ?? `código ${exit.code}`;
      this.scheduleRestart(`${service.displayName} se detuvo inesperadamente (${how})`);
    });
  }

  /** First start: failures here are thrown to the caller, not retried. */
  async start(): Promise<void> {
    this.state = 'starting';
    try {
      await this.service.start();
      await this.service.waitHealthy(this.options.healthTimeoutMs);
    } catch (error) {
      this.state = 'idle';
      await this.service.stop().catch(() => undefined);
      throw error;
    }
    this.markHealthy();
  }

  /** Stops supervising and stops the service. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.service.stop();
  }

  /** The delay before the next restart: 1 s, 2 s, 4 s … capped. */
  nextDelayMs(): number {
    if (this.healthySince && Date.now() - this.healthySince >= this.options.resetAfterMs) this.failures = 0;
    return Math.min(this.options.initialDelayMs * 2 ** this.failures, this.options.maxDelayMs);
  }

  private markHealthy(): void {
    this.state = 'running';
    this.healthySince = Date.now();
    this.emit('healthy');
  }

  private scheduleRestart(reason: string): void {
    const delay = this.nextDelayMs();
    if (this.failures >= this.options.maxRestarts) {
      this.state = 'stopped';
      this.options.log(`${reason}; tras ${this.failures} reinicios seguidos sin mantenerse en marcha, no se vuelve a intentar.`);
      this.emit('gaveUp', reason);
      return;
    }
    this.failures += 1;
    this.healthySince = 0;
    this.state = 'waiting';
    this.options.log(`${reason}; reiniciando en ${formatSeconds(delay)}…`);
    this.emit('restarting', delay, reason);
    this.timer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.state !== 'waiting') return;
    this.state = 'starting';
    try {
      await this.service.start();
      // stop() may have run while start() was spawning: it found nothing to stop yet.
      if (this.state !== 'starting') return void (await this.service.stop());
      await this.service.waitHealthy(this.options.healthTimeoutMs);
    } catch (error) {
      if (this.state !== 'starting') return; // stop() was called meanwhile
      await this.service.stop().catch(() => undefined);
      if (this.state !== 'starting') return;
      this.scheduleRestart(`${this.service.displayName} no pudo arrancar (${describeError(error)})`);
      return;
    }
    if (this.state !== 'starting') return;
    this.options.log(`${this.service.displayName} vuelve a estar disponible.`);
    this.markHealthy();
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
