import type { SnippetDiagnostic } from './transpile';
import { CauceError } from '@/lib/errors';
import type { SandboxLimits } from '@/lib/limits';

/**
 * Base of every sandbox failure. `message` is Spanish and safe to show a student: it never
 * contains server paths; the technical detail travels in `cause`. `retriable` is true when the
 * same request may succeed later (busy lab, transient setup failure).
 */
export class SandboxError extends CauceError {}

/** The submitted files were refused before transpiling (size, names, entry). */
export class SnippetInputError extends SandboxError {}

/** The code has syntax errors; nothing was run. */
export class SnippetCompileError extends SandboxError {
  constructor(readonly diagnostics: SnippetDiagnostic[]) {
    const first = diagnostics[0];
    super(
      first
        ? `Tu código tiene ${diagnostics.length === 1 ? 'un error' : `${diagnostics.length} errores`} de sintaxis (${first.file}:${first.line}:${first.column}: ${first.message.replace(/\.$/, '')}). No se ejecutó.`
        : 'Tu código tiene errores de sintaxis. No se ejecutó.',
    );
  }
}

/** Every sandbox slot is taken by other runs. */
export class SandboxBusyError extends SandboxError {
  constructor() {
    super('El laboratorio está ocupado con otras ejecuciones. Vuelve a intentarlo en unos segundos.', {
      retriable: true,
    });
  }
}

/** The sandbox could not be set up or crashed on the server side (not the student's fault). */
export class SandboxSetupError extends SandboxError {
  constructor(cause: unknown) {
    super('No se pudo preparar el entorno de ejecución en el servidor. Inténtalo de nuevo en un momento.', {
      retriable: true,
      cause,
    });
  }
}

/** The run was ended because it crossed one of its {@link SandboxLimits}. */
export class SandboxLimitError extends SandboxError {
  constructor(
    readonly limit: keyof SandboxLimits,
    readonly value: number,
    message: string,
  ) {
    super(message);
  }
}
