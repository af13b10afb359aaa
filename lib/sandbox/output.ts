import { StringDecoder } from 'node:string_decoder';
import { MAX_CHUNK_CHARS } from '@/lib/limits';

/** One piece of program output. `text` ends with `\n` when it completes a line. */
export interface SandboxOutput {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface OutputCollectorOptions {
  /** Bytes (both streams together) accepted before the collector refuses more. */
  limitBytes: number;
  emit: (output: SandboxOutput) => void;
  /** Rewrites a line (without its `\n`) before it is emitted; `null` drops it. */
  rewrite?: (line: string, stream: SandboxOutput['stream']) => string | null;
}

/**
 * Turns the two raw pipes into line-oriented chunks and enforces the output cap: bytes past
 * the cap are discarded and `write` answers false so the owner kills the run.
 */
export class OutputCollector {
  private readonly streams = {
    stdout: { decoder: new StringDecoder('utf8'), pending: '' },
    stderr: { decoder: new StringDecoder('utf8'), pending: '' },
  };
  private received = 0;
  private full = false;

  constructor(private readonly options: OutputCollectorOptions) {}

  /** True once output was cut at the cap. */
  get truncated(): boolean {
    return this.full;
  }

  /** Feeds raw bytes; returns false when the cap is reached (nothing more will be emitted). */
  write(stream: SandboxOutput['stream'], chunk: Buffer): boolean {
    if (this.full) return false;
    const room = this.options.limitBytes - this.received;
    const accepted = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.received += accepted.length;
    const state = this.streams[stream];
    state.pending += state.decoder.write(accepted);
    this.drain(stream, false);
    if (chunk.length > room) {
      this.full = true;
      this.end();
      return false;
    }
    return true;
  }

  /** Emits whatever partial lines remain (at exit or when the cap is hit). */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const state = this.streams[stream];
      state.pending += state.decoder.end();
      this.drain(stream, true);
    }
  }

  private drain(stream: SandboxOutput['stream'], final: boolean): void {
    const state = this.streams[stream];
    for (;;) {
      const newline = state.pending.indexOf('\n');
      if (newline !== -1 && newline < MAX_CHUNK_CHARS) {
        this.send(stream, state.pending.slice(0, newline), '\n');
        state.pending = state.pending.slice(newline + 1);
      } else if (state.pending.length >= MAX_CHUNK_CHARS) {
        this.send(stream, state.pending.slice(0, MAX_CHUNK_CHARS), '');
        state.pending = state.pending.slice(MAX_CHUNK_CHARS);
      } else {
        break;
      }
    }
    if (final && state.pending) {
      this.send(stream, state.pending, '');
      state.pending = '';
    }
  }

  private send(stream: SandboxOutput['stream'], line: string, end: string): void {
    const text = this.options.rewrite ? this.options.rewrite(line, stream) : line;
    if (text !== null) this.options.emit({ stream, text: text + end });
  }
}
