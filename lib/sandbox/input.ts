import { MAX_RUN_BYTES, MAX_RUN_FILES } from '@/lib/limits';
import { SnippetInputError } from './errors';

export interface SnippetFile {
  /** Bare file name as the student sees it, e.g. `producer.ts`. */
  name: string;
  content: string;
}

// A bare name keeps every file directly under /sandbox: no traversal, no shadowing node_modules.
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}\.(ts|mts|js|mjs)$/;

/**
 * Checks size, names and entry of a submission. Throws {@link SnippetInputError} with a Spanish
 * message; call it first so an oversized body is refused before it is parsed any further.
 */
export function validateSnippetFiles(files: readonly SnippetFile[], entry: string): void {
  checkFileSet(files, entry);
  const outputs = new Set<string>();
  for (const { name } of files) {
    if (!FILE_NAME.test(name)) {
      throw new SnippetInputError(`El nombre de archivo «${name.slice(0, 80)}» no es válido: usa letras, números, «-», «_» y la extensión .ts o .js.`);
    }
    const output = outputNameFor(name);
    if (outputs.has(output)) throw new SnippetInputError(`Hay dos archivos llamados «${output.replace(/\.mjs$/, '')}».`);
    outputs.add(output);
  }
}

// A shell script's files keep their names (checks.sh, datos.txt): bare, so each is directly under /sandbox.
const SHELL_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** The same checks for a shell run's files, whose names need no extension. Throws {@link SnippetInputError}. */
export function validateShellFiles(files: readonly SnippetFile[], entry: string): void {
  checkFileSet(files, entry);
  const names = new Set<string>();
  for (const { name } of files) {
    if (!SHELL_FILE_NAME.test(name)) throw new SnippetInputError(`El nombre de archivo «${name.slice(0, 80)}» no es válido: usa letras, números, «.», «-» y «_».`);
    if (names.has(name)) throw new SnippetInputError(`Hay dos archivos llamados «${name}».`);
    names.add(name);
  }
}

/** Count, total size and entry: what every kind checks first. */
function checkFileSet(files: readonly SnippetFile[], entry: string): void {
  if (files.length === 0) throw new SnippetInputError('No hay código que ejecutar.');
  if (files.length > MAX_RUN_FILES) {
    throw new SnippetInputError(`Como máximo se pueden ejecutar ${MAX_RUN_FILES} archivos a la vez.`);
  }
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.content, 'utf8'), 0);
  if (bytes > MAX_RUN_BYTES) {
    throw new SnippetInputError(`Tu código ocupa ${Math.ceil(bytes / 1024)} KB y el máximo es ${MAX_RUN_BYTES / 1024} KB. Redúcelo antes de ejecutarlo.`);
  }
  if (!files.some((f) => f.name === entry)) {
    throw new SnippetInputError(`No se encontró el archivo principal «${entry.slice(0, 80)}».`);
  }
}

/**
 * A file's name inside /sandbox: an ES module, so top-level `await` works (`producer.ts` ->
 * `producer.mjs`), unless it is CommonJS (lib/sandbox/module-style.ts): `producer.cjs`.
 */
export function outputNameFor(name: string, style: 'esm' | 'commonjs' = 'esm'): string {
  return name.replace(/\.(ts|mts|js|mjs)$/, '') + (style === 'commonjs' ? '.cjs' : '.mjs');
}
