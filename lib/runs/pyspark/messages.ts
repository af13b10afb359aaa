/** Spanish texts of a pyspark run that the sandbox and the shared run messages do not already say. */
export const PYSPARK_MESSAGES = {
  labUnavailable: 'El servidor de Spark del laboratorio no está disponible ahora mismo, así que tu trabajo no se ejecutó. Espera unos segundos y vuelve a pulsar «Ejecutar».',
  /** What the run wrote, for its end: batches with rows, and the rows. */
  written: (batches: number, rows: number) =>
    batches === 0
      ? 'No se escribió ningún micro-lote (no llegaron mensajes nuevos al tema).'
      : `Se ${batches === 1 ? 'escribió 1 micro-lote' : `escribieron ${batches} micro-lotes`} con ${rows === 1 ? '1 fila' : `${rows.toLocaleString('es-ES')} filas`}.`,
  stopped: (written: string) => `Detuviste el trabajo: cada consulta se detuvo con query.stop() y la sesión de Spark terminó. ${written}`,
  timeout: (ms: number, written: string) =>
    `El trabajo llegó a su tiempo máximo (${Math.round(ms / 1000)} s) y se detuvo con query.stop(), como con «Detener». ${written} Vuelve a ejecutarlo para seguir desde el checkpoint.`,
} as const;
