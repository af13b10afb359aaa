/** Spanish texts of airflow-dag runs that the worker does not already provide. */
export const AIRFLOW_MESSAGES = {
  starting: 'Preparando Airflow…',
  running: 'Ejecutando el DAG…',
  stopped: 'Detuviste la ejecución.',
  labUnavailable: 'El laboratorio de Airflow no está disponible ahora mismo, así que tu DAG no se ejecutó. Espera unos segundos y vuelve a intentarlo.',
  crashed: 'La ejecución de tu DAG terminó de forma inesperada en el servidor. Inténtalo de nuevo en un momento.',
  outputLimit: 'Tu DAG escribió demasiada salida y fue detenido.',
  memoryLimit: (mb: number) =>
    `Tu DAG (con todos los procesos que lanzó) usó más de ${mb} MB de memoria y fue detenido. ¿Carga demasiados datos a la vez o lanza procesos que no terminan?`,
  retryTimeout: (wallMs: number, task: string) =>
    `La tarea «${task}» falló y estaba esperando para reintentar (sus retries y retry_delay) cuando la ejecución llegó al límite de ${Math.round(wallMs / 1000)} s. ` +
    'En el laboratorio, usa un retry_delay de pocos segundos o retries=0 para ver el fallo enseguida.',
  diskFull: (mb: number) =>
    `El espacio de la ejecución (su /tmp, ${mb} MB) se llenó y el DAG no pudo seguir escribiendo. ¿Alguna tarea escribe archivos demasiado grandes o en un bucle?`,
  cpuLimit: 'Tu DAG usó demasiado tiempo de CPU y fue detenido. ¿Hay algún bucle que no termina?',
  timeout: (wallMs: number, task: string | undefined) =>
    `Tu DAG superó el límite de ${Math.round(wallMs / 1000)} s y fue detenido` +
    (task ? ` mientras se ejecutaba la tarea «${task}». ¿Espera algo que nunca llega (un sleep, un bucle)?` : '.'),
  success: (dagId: string) => `El DAG «${dagId}» terminó correctamente: todas sus tareas acabaron bien.`,
  dagFailed: (dagId: string, tasks: string[]) =>
    tasks.length > 0
      ? `El DAG «${dagId}» falló: ${tasks.length === 1 ? 'la tarea' : 'las tareas'} ${tasks.map((t) => `«${t}»`).join(', ')} ${tasks.length === 1 ? 'terminó' : 'terminaron'} con error. Mira su registro.`
      : `El DAG «${dagId}» no terminó correctamente. Mira el registro de sus tareas.`,
  badFileName: (name: string) => `El nombre de archivo «${name.slice(0, 80)}» no es válido: usa letras, números y «_», con la extensión .py (por ejemplo «mi_dag.py»).`,
  noFiles: 'No hay código que ejecutar.',
  duplicate: (name: string) => `Hay dos archivos llamados «${name}».`,
} as const;

/** A Python module name: importable from the other files ("from tar_gz_operator import …"). */
const DAG_FILE = /^[A-Za-z_][A-Za-z0-9_]{0,60}\.py$/;

/** Returns a Spanish reason when the files cannot be a DAG folder, else undefined. */
export function validateDagFiles(files: readonly { name: string }[]): string | undefined {
  if (files.length === 0) return AIRFLOW_MESSAGES.noFiles;
  const seen = new Set<string>();
  for (const { name } of files) {
    if (!DAG_FILE.test(name)) return AIRFLOW_MESSAGES.badFileName(name);
    if (seen.has(name)) return AIRFLOW_MESSAGES.duplicate(name);
    seen.add(name);
  }
  return undefined;
}
