'use client';

import type { RunEvent } from '@/lib/runs/schema';

/** The latest state of one MapReduce job a shell run submitted (lib/lab/hadoop-jobs.ts). */
export type JobView = Omit<Extract<RunEvent, { type: 'hadoop-job' }>, 'type'>;

const STATE_LABELS: Record<JobView['state'], string> = { running: 'en marcha', succeeded: 'terminado con éxito', failed: 'falló' };

/**
 * A small live picture of a MapReduce job beside the output: its map and reduce progress as the
 * lab's job client reports it to the server (a structured event, never read from the script's
 * output), like the ResourceManager's application page.
 */
export function JobProgress({ jobs }: { jobs: readonly JobView[] }) {
  return (
    <section className="job-progress" aria-label="Progreso del trabajo MapReduce">
      {jobs.map((job, index) => (
        <div key={index} className={`job job-${job.state}`}>
          <p className="job-title">
            Trabajo <strong>{job.program}</strong>
            {job.jobId && <code> {job.jobId}</code>} · {STATE_LABELS[job.state]}
          </p>
          {(['map', 'reduce'] as const).map((phase) => (
            <div key={phase} className="job-bar">
              <span className="job-phase">{phase}</span>
              <progress max={100} value={job[phase]} aria-label={`${phase} ${job.program}`} />
              <span className="job-percent">{job[phase]} %</span>
            </div>
          ))}
        </div>
      ))}
    </section>
  );
}
