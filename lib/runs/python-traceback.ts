import type { RuntimeErrorLocation } from './runtime-error';

/** `  File "producer.py", line 12, in <module>` (the sandbox prefix already dropped), or a SyntaxError's `File "x.py", line 3`. */
const FRAME = /^ {2}File "([^"]+)", line (\d+)/;
const TRACEBACK = 'Traceback (most recent call last):';

/**
 * The Python twin of {@link RuntimeErrorTracker}: follows stderr line by line and remembers the
 * uncaught exception (`kafka.errors.NoBrokersAvailable: NoBrokersAvailable`) and the innermost
 * frame of its traceback that is in one of the student's files. A chained exception's last
 * traceback wins: it is the one that ended the program.
 */
export class PythonTracebackTracker {
  private inTraceback = false;
  private frame: { file: string; line: number } | undefined;
  private message: string | undefined;
  private location: RuntimeErrorLocation | undefined;

  constructor(private readonly fileNames: readonly string[]) {}

  observe(line: string): void {
    if (line === TRACEBACK) {
      this.inTraceback = true;
      this.frame = undefined;
      return;
    }
    const frame = FRAME.exec(line);
    if (frame) {
      // A SyntaxError in the entry file has no "Traceback" header: its frame starts one.
      this.inTraceback = true;
      if (this.fileNames.includes(frame[1]!)) this.frame = { file: frame[1]!, line: Number(frame[2]) };
      return;
    }
    if (!this.inTraceback || line.trim() === '' || /^\s/.test(line)) return; // source and caret lines
    this.inTraceback = false;
    this.message = line.trim();
    if (this.frame) this.location = { ...this.frame, column: 1, message: this.message };
  }

  result(): RuntimeErrorLocation | undefined {
    return this.location;
  }

  /** The last uncaught exception seen (`ZeroDivisionError: division by zero`), located or not. */
  error(): string | undefined {
    return this.message;
  }
}
