import type { RunEvent } from '../schema';
import { listStudentPrefix, type PysparkS3Access } from './lab';

/**
 * Lists the student's S3 prefix once before the job (the baseline) and after each batch that wrote rows and says which objects are
 * new since the previous listing of the run. One listing at a time: a batch that commits
 * while one is in flight asks for one more after it, never a queue of them.
 */
export class ObjectWatcher {
  private known: Set<string> | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly access: PysparkS3Access,
    private readonly emit: (event: Extract<RunEvent, { type: 's3-objects' }>) => void,
    private readonly list = listStudentPrefix,
  ) {}

  /** Asks for a listing (after the current one, if any). */
  refresh(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.listOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  /** Waits for the listings asked for so far (before the run's end). */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async listOnce(): Promise<void> {
    try {
      const listing = await this.list(this.access);
      const keys = listing.objects.map((o) => o.key);
      // The first listing (before the job starts) is the baseline: what earlier runs left is not new.
      const known = this.known;
      const added = known ? keys.filter((key) => !known.has(key)) : [];
      this.known = new Set(keys);
      this.emit({ type: 's3-objects', bucket: listing.bucket, prefix: listing.prefix, objects: listing.objects.map(({ key, size }) => ({ key, size })), added });
    } catch (error) {
      console.error('[runs] pyspark s3 listing', error); // the picture misses one refresh; the run goes on
    }
  }
}
