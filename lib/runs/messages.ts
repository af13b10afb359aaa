import { asSentence } from '@/lib/sandbox/messages';

/** Spanish texts of the run pipeline that the sandbox does not already provide. */
export const RUN_MESSAGES = {
  finished: 'Terminó correctamente.',
  failed: 'Tu programa terminó con un error; revisa la salida de errores.',
  /** A runtime exception, with the line of the student's it came from when the stack names one. */
  exception: (error: string, where?: { file: string; line: number }) =>
    where
      ? `Tu programa se detuvo por una excepción en ${where.file}, línea ${where.line} (marcada en el editor): ${asSentence(error)}`
      : `Tu programa se detuvo por una excepción: ${asSentence(error)} El detalle está en la salida de errores.`,
  /** The diagnostic on the student's line (the editor's marker). */
  exceptionAt: (error: string) => `Excepción en tiempo de ejecución: ${asSentence(error)}`,
  labUnavailable:
    'El laboratorio de Kafka no está disponible ahora mismo, así que tu programa no se ejecutó. Espera unos segundos a que se recupere (el estado aparece arriba) y vuelve a intentarlo.',
  kafkaRestarting:
    'Kafka se está reiniciando ahora mismo (el laboratorio lo vuelve a poner en marcha solo), así que tu programa no se ejecutó. Vuelve a pulsar «Ejecutar» cuando el indicador diga «Kafka: disponible», en unos segundos.',
  kafkaRestarted:
    'Kafka se detuvo mientras tu programa se ejecutaba y el laboratorio lo está reiniciando (o ya lo reinició), así que tu programa perdió la conexión. No es un fallo de tu código: los mensajes que Kafka llegó a confirmar están guardados. Espera a que el indicador diga «Kafka: disponible» y vuelve a pulsar «Ejecutar». El detalle técnico está plegado debajo.',
  kafkaLost:
    'Tu programa perdió la conexión con Kafka porque el laboratorio dejó de responder. No es un fallo de tu código: espera a que el indicador diga «Kafka: disponible» y vuelve a pulsar «Ejecutar». El detalle técnico está plegado debajo.',
  kafkaAccessUnavailable:
    'No se pudo preparar tu acceso al laboratorio de Kafka (tu usuario y tus permisos), así que tu programa no se ejecutó. Vuelve a intentarlo en unos segundos.',
  kafkaRefused: (prefix: string, inCode = 'process.env.KAFKA_TOPIC_PREFIX') =>
    `Kafka rechazó el acceso: solo puedes usar temas y grupos de consumidores que empiecen por «${prefix}». Usa ${inCode} delante de sus nombres, como en el ejemplo.`,
  topicMissing:
    'El tema que lee tu programa todavía no existe en tu espacio del laboratorio (aquí los temas no se crean solos al leerlos). Ejecuta primero el productor de la lección «Productor de Kafka», que lo crea y le escribe mensajes, y vuelve a intentarlo.',
  kindNotReady: 'Este tipo de ejemplo todavía no se puede ejecutar en el laboratorio.',
  unknownLesson: (lesson: string) => `La lección «${lesson}» no existe en este sitio, así que no hay nada que ejecutar. Vuelve a abrirla desde la lista de cursos.`,
  unknownSnippet:
    'Ese ejemplo no existe en la lección (quizá la lección cambió desde que abriste la página), así que no se ejecutó. Recarga la página y vuelve a pulsar «Ejecutar».',
  kindMismatch: 'La petición no corresponde al tipo de ese ejemplo, así que no se ejecutó. Recarga la página y vuelve a pulsar «Ejecutar».',
  badRequest: 'La petición de ejecución no es válida.',
  tooLarge: (limitKb: number) => `Tu código supera el máximo de ${limitKb} KB por ejecución. Acórtalo y vuelve a intentarlo.`,
  unknownRun: 'Esa ejecución no existe o ya expiró. Pulsa «Ejecutar» de nuevo.',
  abandoned: (seconds: number) => `Se detuvo porque ninguna página la seguía desde hacía ${seconds} s (cerraste o dejaste la lección). Pulsa «Ejecutar» para lanzarla de nuevo.`,
  interrupted:
    'El servidor del sitio se detuvo mientras tu programa se ejecutaba (se reinicia solo) y la ejecución se cortó; lo que llegó a mostrar es lo de arriba. Pulsa «Ejecutar» para lanzarlo de nuevo.',
  hadoopLost:
    'El Hadoop del laboratorio dejó de responder mientras tu script se ejecutaba, así que no pudo terminar. No es un fallo de tu código: vuelve a ejecutar en unos segundos.',
  hadoopHomeUnavailable:
    'No se pudo preparar tu carpeta de HDFS (/user/<tu usuario>) en el Hadoop del laboratorio, así que tu script no se ejecutó. Vuelve a ejecutar en unos segundos; si sigue fallando, avisa a tu profesor.',
  serverError: 'No se pudo ejecutar tu programa por un problema del servidor. Inténtalo de nuevo en un momento.',
} as const;

/**
 * Every status a run's record can hold, in a few Spanish words: the output panel's end badge and
 * the instructor's history. The end reasons (EndReason) plus the record's own states.
 */
export const RUN_STATUS_LABELS: Record<string, string> = {
  queued: 'En cola',
  running: 'En marcha',
  finished: 'Terminado',
  failed: 'Terminado con error',
  stopped: 'Detenido',
  abandoned: 'Detenido al dejar la página',
  timeout: 'Límite de tiempo',
  'output-limit': 'Salida truncada',
  'memory-limit': 'Límite de memoria',
  'cpu-limit': 'Límite de CPU',
  'process-limit': 'Límite de procesos',
  'file-limit': 'Límite de escritura',
  'lab-unavailable': 'Laboratorio no disponible',
  error: 'Error del servidor',
  interrupted: 'Interrumpido: el servidor se reinició',
  rejected: 'Rechazado antes de ejecutarse',
};

/** A wait in words a student reads at a glance: rounded up to 5 s, then to the minute. */
export function spanishEstimate(ms: number): string {
  if (ms < 5_000) return 'menos de 5 s';
  if (ms < 60_000) return `unos ${Math.ceil(ms / 5_000) * 5} s`;
  const minutes = Math.round(ms / 60_000);
  return minutes === 1 ? 'alrededor de 1 min' : `unos ${minutes} min`;
}

/** The status line of a waiting run: its place, why if it waits for its own other run, and the estimate. */
export function queuedMessage(position: number, waitMs: number, behindOwn: boolean): string {
  const why = behindOwn ? ' (espera a que termine tu otra ejecución)' : '';
  return `En cola: ${position}${why} · empieza en ${spanishEstimate(waitMs)}`;
}
