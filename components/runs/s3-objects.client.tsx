'use client';

import { useCallback, useEffect, useState } from 'react';
import { listMyObjects, previewMyObject, type S3ListResult, type S3PreviewResult } from '@/app/s3/actions';

/** "1,4 MB": bytes as a file browser shows them. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString('es-ES', { maximumFractionDigits: unit > 0 && value < 10 ? 1 : 0 })} ${units[unit]}`;
}

function Preview({ result }: { result: S3PreviewResult }) {
  if (!result.ok) return <p className="output-problem">{result.message}</p>;
  const { preview } = result;
  return (
    <div className="s3-preview">
      <table className="record-table">
        <caption>
          Primeras {preview.rows.length} filas de {preview.totalRows.toLocaleString('es-ES')} en <code>{preview.key.split('/').at(-1)}</code>
        </caption>
        <thead>
          <tr>
            {preview.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row, i) => (
            <tr key={i}>
              {preview.columns.map((c) => (
                <td key={c}>{row[c] === null || row[c] === undefined ? '—' : String(row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface S3ObjectListProps {
  bucket: string;
  prefix: string;
  objects: readonly { key: string; size: number }[];
  /** Keys written by the run being watched: marked «nuevo». @default [] */
  added?: readonly string[];
}

/**
 * The student's objects under their prefix, sizes beside them; a Parquet file can be opened
 * in a preview of its first rows (read by the server with the student's own key). The Spark
 * sink's bookkeeping (`_spark_metadata`) and the checkpoint are listed too: they are what lets
 * a stopped job continue without writing a message twice.
 */
export function S3ObjectList({ bucket, prefix, objects, added = [] }: S3ObjectListProps) {
  const [open, setOpen] = useState<{ key: string; result?: S3PreviewResult }>();
  const isNew = new Set(added);
  const parquet = objects.filter((o) => o.key.endsWith('.parquet'));
  return (
    <div className="s3-objects">
      <p className="s3-where">
        <code>
          s3://{bucket}/{prefix}
        </code>{' '}
        · {objects.length === 1 ? '1 objeto' : `${objects.length} objetos`}, {parquet.length} Parquet
      </p>
      {objects.length === 0 ? (
        <p className="s3-empty">Tu prefijo todavía está vacío.</p>
      ) : (
        <ul className="s3-list" aria-label={`Objetos en s3://${bucket}/${prefix}`}>
          {objects.map((o) => (
            <li key={o.key} className={isNew.has(o.key) ? 's3-new' : undefined}>
              <code className="s3-key">{o.key.startsWith(prefix) ? o.key.slice(prefix.length) : o.key}</code>
              <span className="s3-size">{formatSize(o.size)}</span>
              {isNew.has(o.key) && <span className="s3-badge">nuevo</span>}
              {o.key.endsWith('.parquet') && (
                <button
                  type="button"
                  className="s3-preview-button"
                  aria-expanded={open?.key === o.key}
                  // The visible words first, then which file (axe: the accessible name contains the visible text).
                  aria-label={`${open?.key === o.key ? 'Ocultar filas' : 'Ver filas'} de ${o.key.split('/').at(-1)}`}
                  onClick={async () => {
                    if (open?.key === o.key) return setOpen(undefined);
                    setOpen({ key: o.key });
                    setOpen({ key: o.key, result: await previewMyObject(o.key) });
                  }}
                >
                  {open?.key === o.key ? 'Ocultar' : 'Ver filas'}
                </button>
              )}
              {open?.key === o.key && (open.result ? <Preview result={open.result} /> : <p className="s3-loading">Leyendo el Parquet…</p>)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The objects a pyspark run's listings reported, under its micro-batch chart. */
export function RunObjects(props: S3ObjectListProps) {
  return (
    <section className="s3-browser" aria-label="Objetos escritos en S3">
      <p className="s3-title">
        <strong>Objetos en S3</strong> {props.added && props.added.length > 0 && `· ${props.added.length} nuevos en esta ejecución`}
      </p>
      <S3ObjectList {...props} />
    </section>
  );
}

/**
 * A lesson's S3 browser block: the student's prefix on the lab's store, refreshable, with a
 * Parquet preview. It lists on demand (and once when shown), never on a timer.
 */
export function S3Browser() {
  const [result, setResult] = useState<S3ListResult>();
  const [busy, setBusy] = useState(true);
  const load = useCallback(() => {
    return listMyObjects()
      .then(setResult)
      .finally(() => setBusy(false));
  }, []);
  const refresh = () => {
    setBusy(true);
    void load();
  };
  useEffect(() => {
    void load(); // once when shown; after that only on «Actualizar»
  }, [load]);
  return (
    <section className="s3-browser" aria-label="Tu almacén S3" aria-busy={busy}>
      <p className="s3-title">
        <strong>Tu almacén S3</strong>
        <button type="button" className="s3-refresh" onClick={refresh} disabled={busy}>
          {busy ? 'Actualizando…' : 'Actualizar'}
        </button>
      </p>
      {!result ? <p className="s3-loading">Leyendo tu prefijo…</p> : result.ok ? <S3ObjectList {...result.listing} /> : <p className="output-problem">{result.message}</p>}
    </section>
  );
}
