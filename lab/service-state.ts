import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { labRoot } from './kafka/paths';
import type { Supervisor } from './supervisor';

/**
 * What the launcher's supervisors know and a probe cannot: that a service is being restarted
 * (not just "not answering"), and when it last came back. The launcher writes it to
 * `<lab dir>/services.json` on every change; the site's server (another process, restarted on
 * its own) reads it for the lab badge ("reiniciando") and to explain a run that failed because
 * its service restarted under it. A missing or unreadable file means "not known": the site then
 * goes by its probes alone (external mode, `next dev`, the tests' own labs).
 */
export const ServiceName = z.enum(['kafka', 'airflow', 'hadoop', 's3', 'spark', 'site']);
export type ServiceName = z.infer<typeof ServiceName>;

const ServiceState = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'gave-up', 'stopped']),
  /** Since when (ms since the epoch) it is in this state. */
  since: z.number(),
  /** The last time it was down and came back: from its unexpected end to its healthy restart. */
  lastOutage: z.object({ from: z.number(), to: z.number() }).optional(),
  /** The supervisor's Spanish line for the last failure ("Kafka se detuvo inesperadamente (SIGKILL)"). */
  reason: z.string().optional(),
  /** The launcher that wrote it: a killed launcher's file says nothing about the services now. */
  launcherPid: z.number().int().optional(),
});
export type ServiceState = z.infer<typeof ServiceState>;

const ServiceStates = z.partialRecord(ServiceName, ServiceState);
export type ServiceStates = z.infer<typeof ServiceStates>;

export function serviceStateFile(): string {
  return path.join(labRoot(), 'services.json');
}

/** The launcher's view of its services; {} when there is none (see above), or only what a launcher still alive wrote. Never throws. */
export function readServiceStates(file = serviceStateFile()): ServiceStates {
  try {
    const parsed = ServiceStates.safeParse(JSON.parse(fs.readFileSync(/*turbopackIgnore: true*/ file, 'utf8')));
    if (!parsed.success) return {};
    return Object.fromEntries(Object.entries(parsed.data).filter(([, state]) => state.launcherPid === undefined || isAlive(state.launcherPid)));
  } catch {
    return {};
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Did this service go down, or is it down now, at any moment between `from` and `to` (ms)? */
export function wasDownBetween(state: ServiceState | undefined, from: number, to: number): boolean {
  if (!state) return false;
  if (state.state !== 'running') return state.state !== 'stopped' && state.since <= to;
  return state.lastOutage !== undefined && state.lastOutage.from <= to && state.lastOutage.to >= from;
}

/** The launcher's writer: one per process (only the launcher writes the file), whole file replaced atomically. */
export class ServiceStateWriter {
  private readonly states: ServiceStates = {};

  constructor(private readonly file = serviceStateFile()) {}

  set(name: ServiceName, state: ServiceState['state'], reason?: string): void {
    const now = Date.now();
    const previous = this.states[name];
    // A restart that fails again is the same outage: it began when the service first went down.
    const since = state === 'restarting' && previous?.state === 'restarting' ? previous.since : now;
    const lastOutage = state === 'running' && previous?.state === 'restarting' ? { from: previous.since, to: now } : previous?.lastOutage;
    this.states[name] = {
      state,
      since,
      launcherPid: process.pid,
      ...(lastOutage ? { lastOutage } : {}),
      ...(state !== 'running' && (reason ?? previous?.reason) ? { reason: reason ?? previous?.reason } : {}),
    };
    this.write();
  }

  /** Follows a supervisor: running when healthy, restarting while it brings the service back, gave-up when it stops trying. */
  follow(name: ServiceName, supervisor: Supervisor): void {
    supervisor.on('healthy', () => this.set(name, 'running'));
    supervisor.on('restarting', (_delayMs, reason) => this.set(name, 'restarting', reason));
    supervisor.on('gaveUp', (reason) => this.set(name, 'gave-up', reason));
  }

  private write(): void {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, `${JSON.stringify(this.states, null, 2)}\n`);
      fs.renameSync(temporary, this.file);
    } catch (error) {
      // The badge then goes by its probes alone: never a reason to stop the lab.
      console.warn(`[cauce] no se pudo escribir el estado de los servicios: ${(error as Error).message}`);
    }
  }
}

/** The launcher's one writer. */
let writer: ServiceStateWriter | undefined;
export function serviceStates(): ServiceStateWriter {
  writer ??= new ServiceStateWriter();
  return writer;
}
