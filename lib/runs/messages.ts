/** Spanish texts of the run pipeline that the sandbox does not already provide. */
export const RUN_MESSAGES = {
  finished: 'Terminó correctamente.',
  failed: 'Tu programa terminó con un error; revisa la salida de errores.',
  labUnavailable:
    'El laboratorio de Kafka no está disponible ahora mismo, así que tu programa no se ejecutó. Espera unos segundos a que se recupere (el estado aparece arriba) y vuelve a intentarlo.',
  kafkaAccessUnavailable:
    'No se pudo preparar tu acceso al laboratorio de Kafka (tu usuario y tus permisos), así que tu programa no se ejecutó. Vuelve a intentarlo en unos segundos.',
  kafkaRefused: (prefix: string) =>
    `Kafka rechazó el acceso: solo puedes usar temas y grupos de consumidores que empiecen por «${prefix}». Usa process.env.KAFKA_TOPIC_PREFIX delante de sus nombres, como en el ejemplo.`,
  kindNotReady: 'Este tipo de ejemplo todavía no se puede ejecutar en el laboratorio.',
  badRequest: 'La petición de ejecución no es válida.',
  tooLarge: (limitKb: number) => `Tu código supera el máximo de ${limitKb} KB por ejecución. Acórtalo y vuelve a intentarlo.`,
  unknownRun: 'Esa ejecución no existe o ya expiró. Pulsa «Ejecutar» de nuevo.',
  abandoned: (seconds: number) =>
    `Se detuvo porque ninguna página la seguía desde hacía ${seconds} s (cerraste o dejaste la lección). Pulsa «Ejecutar» para lanzarla de nuevo.`,
  serverError: 'No se pudo ejecutar tu programa por un problema del servidor. Inténtalo de nuevo en un momento.',
} as const;
