import { spawn } from 'node:child_process';
import { kafkaPythonPaths } from '@/lab/kafka/python-client';
import { PYTHON_SYNTAX_CHECK } from '@/lib/limits';
import { validatePythonFiles, type SnippetFile } from './input';
import type { SnippetDiagnostic } from './transpile';

/** Compiles each file (never runs it) and prints the syntax errors as JSON. */
const CHECK = `
import json, sys
found = []
for f in json.load(sys.stdin):
    try:
        compile(f["content"], f["name"], "exec", dont_inherit=True)
    except SyntaxError as e:
        found.append({"file": f["name"], "line": e.lineno or 1, "column": e.offset or 1, "message": e.msg})
    except (ValueError, RecursionError, MemoryError) as e:
        found.append({"file": f["name"], "line": 1, "column": 1, "message": str(e) or type(e).__name__})
print(json.dumps(found))
`;

/** Python's most common syntax messages, in Spanish; the original follows in parentheses. */
const SPANISH: [RegExp, string][] = [
  [/^invalid syntax\. Perhaps you forgot a comma\?$/, 'sintaxis no válida: ¿falta una coma?'],
  [/^invalid syntax.*$/, 'sintaxis no válida'],
  [/^expected ':'$/, 'falta «:» al final de la línea'],
  [/^unexpected indent$/, 'sangría inesperada'],
  [/^unindent does not match any outer indentation level$/, 'la sangría no coincide con la de ningún bloque exterior'],
  [/^expected an indented block.*$/, 'falta el bloque con sangría que debe seguir a esta línea'],
  [/^'(.)' was never closed$/, 'el «$1» nunca se cierra'],
  [/^unmatched '(.)'$/, 'el «$1» no tiene pareja'],
  [/^closing parenthesis '(.)' does not match opening parenthesis '(.)'.*$/, 'el «$1» no cierra el «$2» que abriste'],
  [/^unterminated string literal.*$/, 'una cadena de texto sin cerrar'],
  [/^unterminated triple-quoted string literal.*$/, 'una cadena de triple comilla sin cerrar'],
  [/^'(\w+)' outside function$/, '«$1» fuera de una función'],
  [/^'(\w+)' (?:not properly in|outside) loop$/, '«$1» fuera de un bucle'],
  [/^Missing parentheses in call to 'print'.*$/, 'faltan los paréntesis de print(…)'],
  [/^invalid character '(.)'.*$/, 'carácter no válido «$1»'],
];

/** A Python syntax message in Spanish, keeping Python's own words beside it. */
export function pythonSyntaxMessage(message: string): string {
  const match = SPANISH.find(([pattern]) => pattern.test(message));
  if (!match) return message;
  const spanish = message.replace(match[0], match[1]).split('\n')[0]!;
  return `${spanish.charAt(0).toUpperCase()}${spanish.slice(1)} (${message})`;
}

/**
 * The syntax errors of a kafka-py run's files, before it is queued: Python's own compiler,
 * which only compiles, run as an unprivileged user (root drops to nobody) with an address
 * space and wall clock cap (lib/limits.ts). Throws {@link SnippetInputError} on bad names or
 * sizes, and an Error when the checker itself could not answer (a server fault).
 */
export async function checkPythonSyntax(files: readonly SnippetFile[]): Promise<SnippetDiagnostic[]> {
  validatePythonFiles(files, files[0]?.name ?? '');
  const python = kafkaPythonPaths().python;
  const prlimit = ['/usr/bin/prlimit', `--as=${PYTHON_SYNTAX_CHECK.addressSpaceMb * 1024 * 1024}`, `--cpu=${Math.ceil(PYTHON_SYNTAX_CHECK.wallMs / 1000)}`, '--core=0', '--'];
  const drop = process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--no-new-privs'] : [];
  const [file, ...args] = [...drop, ...prlimit, python, '-I', '-B', '-S', '-c', CHECK];
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(file!, args, {
      env: { LANG: 'C.UTF-8' } as unknown as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: PYTHON_SYNTAX_CHECK.wallMs,
      killSignal: 'SIGKILL',
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python syntax check ended with ${code}: ${err.slice(0, 500)}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(files.map((f) => ({ name: f.name, content: f.content }))));
  });
  const found = JSON.parse(stdout) as SnippetDiagnostic[];
  return found.map((d) => ({ ...d, message: pythonSyntaxMessage(d.message) }));
}
