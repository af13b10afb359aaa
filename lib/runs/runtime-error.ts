/** A runtime exception located in the student's code, read from the (already mapped) stack. */
export interface RuntimeErrorLocation {
  file: string;
  line: number;
  column: number;
  message: string;
}

const ERROR_LINE = /^(?:Uncaught )?((?:[A-Z][A-Za-z]*)?Error|KafkaJS\w+): (.+)$/;

/**
 * Follows stderr line by line and remembers the first error message together with the first
 * frame that points into one of the student's files (e.g. `producer.ts:12:5`).
 */
export class RuntimeErrorTracker {
  private message: string | undefined;
  private location: RuntimeErrorLocation | undefined;
  private readonly frame: RegExp;

  constructor(fileNames: string[]) {
    const names = fileNames.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    this.frame = new RegExp(`(?:^|[\\s(])(${names}):(\\d+):(\\d+)`);
  }

  observe(line: string): void {
    if (this.location) return;
    const error = ERROR_LINE.exec(line.trim());
    if (error && !this.message) this.message = `${error[1]}: ${error[2]}`;
    const frame = this.frame.exec(line);
    if (frame && this.message) {
      this.location = { file: frame[1]!, line: Number(frame[2]), column: Number(frame[3]), message: this.message };
    }
  }

  result(): RuntimeErrorLocation | undefined {
    return this.location;
  }

  /** The first error message seen (`TypeError: x is not a function`), located or not. */
  error(): string | undefined {
    return this.message;
  }
}
