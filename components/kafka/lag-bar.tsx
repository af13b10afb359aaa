/** Props of {@link LagBar}: one partition of a consumer group. */
export interface LagBarProps {
  /** The group's committed offset, null when it has none yet. */
  committed: number | null;
  /** The partition's end offset. */
  end: number;
}

/**
 * One partition of a group as a bar: read (committed) in the accent colour, the lag behind the
 * end offset striped and in the warning colour. Decorative for screen readers beyond its label:
 * the same numbers are in the row's cells.
 */
export function LagBar({ committed, end }: LagBarProps) {
  const read = committed ?? 0;
  const lag = Math.max(0, end - read);
  const total = Math.max(end, 1);
  const readPct = Math.min(100, (read / total) * 100);
  const lagPct = Math.min(100 - readPct, (lag / total) * 100);
  const label = committed === null ? `sin offset confirmado; ${end} mensajes en la partición` : `leídos ${read} de ${end}; retraso ${lag}`;
  return (
    <svg className="lag-bar" role="img" aria-label={label} viewBox="0 0 100 10" preserveAspectRatio="none" width="160" height="14">
      <rect className="lag-bar-track" x="0" y="0" width="100" height="10" rx="2" />
      <rect className="lag-bar-read" x="0" y="0" width={readPct} height="10" rx="2" />
      {lag > 0 && <rect className="lag-bar-lag" x={readPct} y="0" width={lagPct} height="10" />}
    </svg>
  );
}
