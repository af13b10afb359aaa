import { CauceError } from '@/lib/errors';

/** A lesson or course file that cannot be used; the message (for its author) names the file and the field. */
export class ContentError extends CauceError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Contenido inválido en ${file}:\n${detail}`);
  }
}
