/** A lesson or course file that cannot be used; the message names the file and the field. */
export class ContentError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Contenido inválido en ${file}:\n${detail}`);
    this.name = 'ContentError';
  }
}
