/** Runs per minute over the last minutes, as small bars (with the numbers for screen readers). */
export function RunsPerMinute({ buckets }: { buckets: { minute: string; runs: number }[] }) {
  const max = Math.max(1, ...buckets.map((b) => b.runs));
  const time = (iso: string) => new Date(iso).toLocaleTimeString('es-ES', { hour: '2-digit', minute: '2-digit' });
  const total = buckets.reduce((sum, b) => sum + b.runs, 0);
  return (
    <figure className="runs-per-minute" aria-labelledby="ejecuciones-por-minuto">
      <figcaption id="ejecuciones-por-minuto">
        Ejecuciones por minuto (últimos {buckets.length} min: {total})
      </figcaption>
      <ol className="rpm-bars">
        {buckets.map((bucket) => (
          <li key={bucket.minute} title={`${time(bucket.minute)}: ${bucket.runs}`}>
            <span className="rpm-bar" style={{ height: `${(bucket.runs / max) * 100}%` }} aria-hidden="true" />
            <span className="visually-hidden">
              {time(bucket.minute)}: {bucket.runs} ejecuciones
            </span>
          </li>
        ))}
      </ol>
      <div className="rpm-axis" aria-hidden="true">
        <span>{buckets[0] && time(buckets[0].minute)}</span>
        <span>{buckets.at(-1) && time(buckets.at(-1)!.minute)}</span>
      </div>
    </figure>
  );
}
