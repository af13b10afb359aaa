'use client';

import type { SparkBatch, SparkSummary } from './spark-view';

const number = new Intl.NumberFormat('es-ES');

function filas(n: number): string {
  return n === 1 ? '1 fila' : `${number.format(n)} filas`;
}

/** `mensajes/0: 20 → 27`, per partition; `desde el principio` when Spark had no offset to start from. */
function rangeText(batch: SparkBatch): string {
  if (batch.ranges.length === 0) return '—';
  return batch.ranges.map((r) => `${r.topic}/${r.partition}: ${r.from === null ? 'inicio' : number.format(r.from)} → ${number.format(r.to)}`).join(' · ');
}

const WIDTH = 560;
const HEIGHT = 150;
const PAD = { left: 44, right: 44, top: 12, bottom: 26 };

/**
 * A live picture of a streaming query: one bar per micro-batch with the rows it read (left
 * scale), and a line with each trigger's duration (right scale), as Spark's own progress
 * reports them; under it, a table with the Kafka offsets each batch read, which shows that a
 * run started again continues where the checkpoint left it and reads no message twice.
 */
export function MicroBatchChart({ batches, summary }: { batches: readonly SparkBatch[]; summary?: SparkSummary }) {
  if (batches.length === 0 && !summary) return null;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const maxRows = Math.max(1, ...batches.map((b) => b.inputRows));
  const maxMs = Math.max(1, ...batches.map((b) => b.durationMs));
  const slot = innerW / Math.max(batches.length, 8);
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const yRows = (rows: number) => PAD.top + innerH - (rows / maxRows) * innerH;
  const yMs = (ms: number) => PAD.top + innerH - (ms / maxMs) * innerH;
  const written = batches.filter((b) => b.wrote);
  const rows = written.reduce((sum, b) => sum + b.inputRows, 0);
  const resumed = batches.find((b) => b.ranges.some((r) => r.from !== null));
  const first = batches[0];
  const broken = batches.filter((b) => !b.continuous);
  const label = `Micro-lotes del trabajo: ${batches.length} ${batches.length === 1 ? 'disparo' : 'disparos'}, ${written.length} con datos, ${filas(rows)} en total.`;

  return (
    <section className="spark-batches" aria-label="Micro-lotes de la consulta de streaming">
      <p className="spark-batches-title">
        <strong>Micro-lotes</strong> · {written.length} con datos · {filas(rows)}
        {batches.length > 0 && ` · último lote ${batches.at(-1)!.batchId}`}
      </p>
      {first && resumed === first && (
        <p className="spark-resumed" role="note">
          Continúa desde el checkpoint: el primer lote empieza en{' '}
          {first.ranges
            .filter((r) => r.from !== null)
            .map((r) => `${r.topic}/${r.partition} offset ${number.format(r.from!)}`)
            .join(', ')}
          , donde terminó la ejecución anterior. Ningún mensaje se escribe dos veces.
        </p>
      )}
      {broken.length > 0 && (
        <p className="spark-gap" role="note">
          Atención: {broken.length === 1 ? 'un lote no empieza' : `${broken.length} lotes no empiezan`} donde terminó el anterior (Spark reinició la consulta o el tema cambió).
        </p>
      )}
      {batches.length > 0 && (
        <svg className="spark-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
          <line className="axis" x1={PAD.left} y1={PAD.top + innerH} x2={WIDTH - PAD.right} y2={PAD.top + innerH} />
          <text className="axis-label" x={PAD.left - 6} y={PAD.top + 8} textAnchor="end">
            {number.format(maxRows)}
          </text>
          <text className="axis-label" x={PAD.left - 6} y={PAD.top + innerH} textAnchor="end">
            0
          </text>
          <text className="axis-label duration" x={WIDTH - PAD.right + 6} y={PAD.top + 8}>
            {(maxMs / 1000).toFixed(1)} s
          </text>
          {batches.map((b, i) => (
            <g key={`${b.queryId}-${b.batchId}-${i}`}>
              <rect
                className={b.wrote ? 'bar' : 'bar idle'}
                x={x(i) - slot * 0.3}
                width={slot * 0.6}
                y={yRows(b.inputRows)}
                height={Math.max(1, PAD.top + innerH - yRows(b.inputRows))}
              >
                <title>{`Lote ${b.batchId}: ${filas(b.inputRows)}, ${b.rowsPerSecond} filas/s, ${(b.durationMs / 1000).toFixed(2)} s`}</title>
              </rect>
              <text className="axis-label" x={x(i)} y={HEIGHT - 8} textAnchor="middle">
                {b.batchId}
              </text>
            </g>
          ))}
          <polyline className="duration-line" points={batches.map((b, i) => `${x(i)},${yMs(b.durationMs)}`).join(' ')} />
          {batches.map((b, i) => (
            <circle key={i} className="duration-dot" cx={x(i)} cy={yMs(b.durationMs)} r={3} />
          ))}
        </svg>
      )}
      <p className="spark-legend" aria-hidden="true">
        <span className="swatch bar" /> filas leídas por lote <span className="swatch duration-line" /> duración del disparo
      </p>
      {batches.length > 0 && (
        <details className="spark-batch-details">
          <summary>Ver cada lote: filas, velocidad, duración y offsets de Kafka</summary>
          <table className="record-table">
            <caption className="visually-hidden">Progreso de cada micro-lote</caption>
            <thead>
              <tr>
                <th scope="col">Lote</th>
                <th scope="col">Filas</th>
                <th scope="col">Filas/s</th>
                <th scope="col">Duración</th>
                <th scope="col">Offsets (tema/partición: desde → hasta)</th>
              </tr>
            </thead>
            <tbody>
              {batches.map((b, i) => (
                <tr key={i}>
                  <td>{b.batchId}</td>
                  <td>{number.format(b.inputRows)}</td>
                  <td>{b.rowsPerSecond}</td>
                  <td>{(b.durationMs / 1000).toFixed(2)} s</td>
                  <td>{rangeText(b)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}
