import { StringDecoder } from 'node:string_decoder';
import { MAX_CHUNK_CHARS } from '@/lib/limits';

/** One piece of program output. `text` ends with `\n` when it completes a line. */
export interface SandboxOutput {
  stream: 'stdout' | 'stderr';
  text: string;
  /** A whole line of the record channel ({@link OutputCollectorOptions.recordMarker}), marker included. */
  record?: true;
}

export interface OutputCollectorOptions {
  /** Bytes of ordinary output (both streams together) passed on before the collector refuses more. */
  limitBytes: number;
  emit: (output: SandboxOutput) => void;
  /** Rewrites an ordinary line (without its `\n`) before it is emitted; `null` drops it. */
  rewrite?: (line: string, stream: SandboxOutput['stream']) => string | null;
  /**
   * Lines starting with this (the kafkajs shim's records, lib/sandbox/record-marker.ts) are a
   * channel of their own: passed on whole as `record` outputs, outside `limitBytes` (the run's
   * owner budgets records), never rewritten, never cut. A marked line too long to be the
   * shim's, or cut off by the end of the run, is dropped (its bytes count): whatever happens,
   * marker text never reaches the student as output. @default undefined (no record channel)
   */
  recordMarker?: string;
}

interface StreamState {
  decoder: StringDecoder;
  pending: string;
  /** The next piece begins a line. */
  atLineStart: boolean;
  /** Inside a marked line being dropped: its pieces are dropped up to its `\n`. */
  dropping: boolean;
}

/**
 * Turns the two raw pipes into line-oriented chunks and enforces the output cap: bytes past
 * the cap are discarded and `write` answers false so the owner kills the run.
 */
export class OutputCollector {
  private readonly streams: Record<SandboxOutput['stream'], StreamState> = {
    stdout: { decoder: new StringDecoder('utf8'), pending: '', atLineStart: true, dropping: false },
    stderr: { decoder: new StringDecoder('utf8'), pending: '', atLineStart: true, dropping: false },
  };
  private counted = 0;
  private full = false;

  constructor(private readonly options: OutputCollectorOptions) {}

  /** True once output was cut at the cap. */
  get truncated(): boolean {
    return this.full;
  }

  /** Feeds raw bytes; returns false when the cap is reached (nothing more will be emitted). */
  write(stream: SandboxOutput['stream'], chunk: Buffer): boolean {
    if (this.full) return false;
    const state = this.streams[stream];
    state.pending += state.decoder.write(chunk);
    this.drain(stream, false);
    return !this.full;
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
    const marker = this.options.recordMarker;
    while (!this.full) {
      const newline = state.pending.indexOf('\n');
      // The shim writes whole lines, but after a student's unterminated `process.stdout.write`:
      // a marker inside a line starts a line of its own.
      const inner = marker ? state.pending.indexOf(marker, 1) : -1;
      if (inner !== -1 && (newline === -1 || inner < newline) && inner < MAX_CHUNK_CHARS) {
        this.send(stream, state.pending.slice(0, inner), '');
        state.pending = state.pending.slice(inner);
        state.atLineStart = true;
      } else if (newline !== -1 && newline < MAX_CHUNK_CHARS) {
        this.send(stream, state.pending.slice(0, newline), '\n');
        state.pending = state.pending.slice(newline + 1);
      } else if (state.pending.length >= MAX_CHUNK_CHARS) {
        this.send(stream, state.pending.slice(0, MAX_CHUNK_CHARS), '');
        state.pending = state.pending.slice(MAX_CHUNK_CHARS);
      } else {
        break;
      }
    }
    if (final && state.pending && !this.full) this.send(stream, state.pending, '');
    if (final || this.full) state.pending = '';
  }

  private send(stream: SandboxOutput['stream'], piece: string, end: '' | '\n'): void {
    const state = this.streams[stream];
    const marker = this.options.recordMarker;
    const startsLine = state.atLineStart;
    state.atLineStart = end === '\n';
    if (state.dropping || (marker && startsLine && piece.startsWith(marker))) {
      if (!state.dropping && end === '\n') {
        this.options.emit({ stream, text: `${piece}\n`, record: true });
        return;
      }
      // Too long to be the shim's (a record line is a few hundred bytes) or cut off: dropped, counted.
      state.dropping = end !== '\n';
      this.count(Buffer.byteLength(piece) + end.length);
      return;
    }
    const bytes = Buffer.byteLength(piece) + end.length;
    const room = this.options.limitBytes - this.counted;
    if (bytes > room) {
      this.emitText(stream, cutToBytes(piece, room), '');
      this.full = true;
      return;
    }
    this.counted += bytes;
    this.emitText(stream, piece, end);
  }

  private count(bytes: number): void {
    this.counted += bytes;
    if (this.counted > this.options.limitBytes) this.full = true;
  }

  private emitText(stream: SandboxOutput['stream'], piece: string, end: string): void {
    const text = this.options.rewrite ? this.options.rewrite(piece, stream) : piece;
    if (text !== null && (text || end)) this.options.emit({ stream, text: text + end });
  }
}

/** The longest prefix of `text` within `bytes` bytes of UTF-8, never splitting a character. */
function cutToBytes(text: string, bytes: number): string {
  if (bytes <= 0) return '';
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end--; // back to a character's first byte
  return buffer.subarray(0, end).toString('utf8');
}
