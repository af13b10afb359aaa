import { CauceError } from '@/lib/errors';
import { MY_KAFKA_MESSAGES } from '@/lib/lab/my-kafka/client';

/**
 * What a Reto says when the lab is in the way, in the Reto's own terms (the Mi Kafka messages the
 * shared client gives name that page's «Actualizar» button, which a Reto does not have).
 */
export const RETO_MESSAGES = {
  kafkaUnreachable: 'El laboratorio de Kafka no responde ahora mismo. Espera unos segundos (el estado aparece arriba) y vuelve a pulsar «Ejecutar y comprobar».',
  kafkaNoAccess: 'No se pudo preparar tu acceso al laboratorio de Kafka. Vuelve a pulsar «Ejecutar y comprobar» en unos segundos.',
  kafkaFailed: 'Kafka no pudo completar la operación. Vuelve a pulsar «Ejecutar y comprobar» en unos segundos.',
  groupBusy: (group: string) =>
    `El grupo «${group}» aún tiene un consumidor de un intento anterior (detenido sin salir del grupo); Kafka lo da por perdido en unos 30 s. Espera un poco y vuelve a pulsar «Ejecutar y comprobar».`,
  deleteSlow: 'Kafka tarda en borrar los temas del intento anterior. Espera unos segundos y vuelve a pulsar «Ejecutar y comprobar».',
} as const;

/** A lab failure (from lib/lab/my-kafka's explain, or any CauceError) as a Reto's sentence. */
export function retoLabMessage(error: unknown): string {
  const message = error instanceof CauceError ? error.message : '';
  if (message === MY_KAFKA_MESSAGES.unreachable) return RETO_MESSAGES.kafkaUnreachable;
  if (message === MY_KAFKA_MESSAGES.noAccess) return RETO_MESSAGES.kafkaNoAccess;
  if (Object.values(RETO_MESSAGES).includes(message as never)) return message;
  return RETO_MESSAGES.kafkaFailed;
}
