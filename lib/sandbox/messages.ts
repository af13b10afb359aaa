import type { SandboxLimits } from '@/lib/limits';

/** Why a run ended. */
export type EndReason = 'finished' | 'stopped' | 'timeout' | 'output-limit' | 'memory-limit' | 'cpu-limit' | 'process-limit' | 'file-limit' | 'error';

/** Something the program tried that the sandbox refuses, recognised in its stderr. */
export type DeniedCapability = 'process' | 'worker' | 'fs-read' | 'fs-write' | 'native';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * Ends a text as a sentence: adds the period only when it has no closing punctuation of its
 * own. TypeScript's Spanish diagnostics and most exception messages already end in one
 * ("Se esperaba una expresión."), and framing them with another printed "expresión..".
 */
export function asSentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?…:;]["'»)\]]*$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** Spanish sentence shown to the student for each way a run can end (null: nothing to add). */
export function endMessage(end: { reason: EndReason; exitCode: number | null; signal: string | null }, limits: SandboxLimits): string | null {
  switch (end.reason) {
    case 'timeout':
      return `Tu programa superó el límite de ${formatSeconds(limits.wallMs)} y fue detenido.`;
    case 'cpu-limit':
      return `Tu programa usó más de ${limits.cpuSeconds} s de CPU y fue detenido. ¿Hay algún bucle que no termina?`;
    case 'memory-limit':
      return `Tu programa usó más memoria de la permitida (${limits.memoryMb} MB) y fue detenido. ¿Estás guardando demasiados datos en memoria?`;
    case 'process-limit':
      return `Tu programa intentó tener más de ${limits.processes} procesos a la vez y fue detenido. ¿Hay una función que se lanza a sí misma en segundo plano (una «fork bomb») o un bucle que crea procesos con «&» sin esperarlos? Lanza menos a la vez, o espéralos con «wait».`;
    case 'file-limit':
      return `Tu programa intentó escribir más de ${limits.fileSizeMb} MB en un archivo (o llenar su /tmp) y fue detenido. En el laboratorio /tmp es pequeño: escribe archivos de prueba de pocos MB.`;
    case 'output-limit':
      return `La salida superó ${formatBytes(limits.outputBytes)}; se muestra truncada.`;
    case 'stopped':
      return 'Detuviste la ejecución.';
    case 'error':
      return 'No se pudo ejecutar tu programa por un problema del servidor. Inténtalo de nuevo en un momento.';
    case 'finished':
      if (end.signal) return `Tu programa terminó por la señal ${end.signal}.`;
      if (end.exitCode) return `Tu programa terminó con código de salida ${end.exitCode}.`;
      return null;
  }
}

/** Spanish explanation for a refused capability, shown after the program's own error. */
export function deniedMessage(denied: DeniedCapability): string {
  switch (denied) {
    case 'process':
      return 'En el laboratorio tu programa no puede crear otros procesos (child_process, exec, spawn, fork): todo debe ocurrir dentro de tu propio programa.';
    case 'worker':
      return 'En el laboratorio no se pueden crear hilos de trabajo (worker_threads).';
    case 'fs-read':
      return 'Tu programa solo puede leer sus propios archivos y los de /tmp; el resto del servidor no es accesible.';
    case 'fs-write':
      return 'Tu programa solo puede escribir archivos dentro de /tmp.';
    case 'native':
      return 'En el laboratorio no se pueden usar las APIs internas de Node (process.binding, addons nativos).';
  }
}
