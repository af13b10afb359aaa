import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { LabError, PortInUseError } from '../lab/errors';
import { terminateGroup } from '../lab/kafka/process';
import { portMessage, sitePorts } from '../lab/ports';
import type { SupervisedService } from '../lab/supervisor';

const root = path.resolve(import.meta.dirname, '..');

export interface SiteServerOptions {
  readonly port: number;
  /** Interface it listens on (`--host`). */
  readonly host: string;
  /** Added to the server's environment: the lab's KAFKA_BROKERS, credentials, mode… */
  readonly env: Readonly<Record<string, string>>;
  /** Time between SIGTERM and SIGKILL in stop(). @default 10000 */
  readonly stopGraceMs?: number;
}

export interface SiteExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when stop() asked for it. */
  readonly expected: boolean;
}

/** What scripts/serve-next.mjs says over its IPC channel. */
type ServerMessage = { type: 'listening' } | { type: 'listen-error'; code: string };

/**
 * The site's server as a supervised service (lab/supervisor.ts), the one owner of its process:
 * start spawns scripts/serve-next.mjs, waitHealthy resolves once it says it listens, stop ends
 * it, and 'exit' reports every end, so the launcher restarts a server that was killed (an OOM
 * kill, a crash) while the lab keeps running.
 */
export class SiteServer extends EventEmitter<{ exit: [SiteExit] }> implements SupervisedService {
  readonly displayName = 'El sitio';
  private readonly options: SiteServerOptions;
  private child: ChildProcess | undefined;
  private stopping = false;
  /** Settles when the current process listens, or ends before it does. */
  private listening: Promise<void> = Promise.resolve();

  constructor(options: SiteServerOptions) {
    super();
    this.options = options;
  }

  /** Pid of the running server, if any. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Spawns the server. Resolves once it is spawned; waitHealthy() says when it listens. */
  async start(): Promise<void> {
    if (this.pid) return;
    this.stopping = false;
    const { port, host, env } = this.options;
    // A parent-death signal, so a killed launcher always takes the site down with it; its own
    // process group, so Ctrl-C reaches only the launcher, which stops it in order. The IPC
    // channel carries only "listening" (or why it could not).
    const child = spawn('setpriv', ['--pdeathsig', 'SIGTERM', '--', process.execPath, path.join(root, 'scripts', 'serve-next.mjs'), String(port), '--host', host], {
      cwd: root,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      detached: true,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...env },
    });
    this.child = child;
    let listenError: string | undefined;
    this.listening = new Promise<void>((resolvePromise, reject) => {
      child.on('message', (message: ServerMessage) => {
        if (message.type === 'listening') resolvePromise();
        else listenError = message.code;
      });
      child.once('exit', (code, signal) => {
        const need = sitePorts(port, host)[0]!;
        if (listenError === 'EADDRINUSE') reject(new PortInUseError(portMessage(need, listenError)));
        else if (listenError) reject(new LabError(portMessage(need, listenError)));
        else reject(new LabError(`el servidor terminó antes de escuchar (${signal ? `señal ${signal}` : `código ${code}`}); mira los mensajes de arriba`));
      });
    });
    this.listening.catch(() => undefined); // read by waitHealthy(); an early end is not unhandled
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.emit('exit', { code, signal, expected: this.stopping });
    });
    await new Promise<void>((resolvePromise, reject) => {
      child.once('spawn', resolvePromise);
      child.once('error', (error) => reject(new LabError(`no se pudo lanzar el servidor del sitio: ${error.message}`, { cause: error })));
    });
  }

  /** Resolves once the server listens on its port; rejects if it ends first or takes too long. */
  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LabError(`el servidor no escuchó en ${timeoutMs / 1000} s`, { retriable: true })), timeoutMs);
    });
    try {
      await Promise.race([this.listening, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM to its process group, SIGKILL after the grace period. Resolves when it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
    await terminateGroup(child.pid, this.options.stopGraceMs ?? 10_000);
    await exited;
  }
}
