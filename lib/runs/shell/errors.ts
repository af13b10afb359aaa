import { HDFS_HOME_QUOTA } from '@/lib/limits';

/**
 * bash's error lines, located at the student's line and explained in Spanish. bash prints
 * `checks.sh: line 3: foo: command not found` (C locale; `línea 3: …: orden no encontrada`
 * under a Spanish one): the file and line are bash's own, so the marker lands where bash
 * stopped reading, the same line the student sees in the output.
 */
export interface ShellErrorLocation {
  file: string;
  line: number;
  column: number;
  /** Spanish explanation for the editor's marker. */
  message: string;
}

const ERROR_LINE = /^(?:\/sandbox\/)?([A-Za-z0-9_][A-Za-z0-9_.-]*): (?:line|línea) (\d+): (.+)$/;
/** Markers kept per run: the first few errors say what to fix; a loop's hundredth says nothing new. */
const MAX_LOCATED = 5;

const EXPLAINED: [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /^(.+): (?:command not found|orden no encontrada)$/,
    (m) => `«${m[1]}» no es una orden que exista aquí: revisa cómo está escrita (en un nodo real, que esté instalada y en el PATH).`,
  ],
  [/^(.+): (?:No such file or directory|No existe el archivo o el directorio)$/, (m) => `«${m[1]}» no existe (ni archivo ni carpeta con ese nombre).`],
  [
    /^(.+): (?:Read-only file system|Sistema de archivos de sólo lectura)$/,
    (m) => `«${m[1]}» está en un sistema de archivos de solo lectura: en el laboratorio solo se escribe en /tmp (tu carpeta de trabajo).`,
  ],
  [/^(.+): (?:Permission denied|Permiso denegado)$/, (m) => `Permiso denegado en «${m[1]}»: tu usuario del laboratorio no es root.`],
  [/syntax error near unexpected token [`'](.*)'$/, (m) => `Error de sintaxis cerca de «${m[1]}»: revisa que cada if tenga su then y su fi, cada bucle su do y su done.`],
  [
    /syntax error: unexpected end of file|unexpected EOF while looking for matching/,
    () => 'El script termina con algo sin cerrar: unas comillas, un if sin fi, un bucle sin done o unas llaves.',
  ],
  [
    /integer expression expected|se esperaba una expresión entera/,
    () => 'La comparación (-ge, -lt…) necesita números y recibió otra cosa: revisa el valor de la variable (¿«unlimited»?).',
  ],
  [/too many arguments|demasiados argumentos/, () => 'Demasiados argumentos en la comparación: pon la variable entre comillas («"$var"»).'],
  [/unbound variable|variable sin asignar/, () => 'Se usa una variable que no tiene valor (set -u la convierte en error).'],
];

/** The Spanish explanation of one of bash's messages (without its file and line). */
export function explainBashError(text: string): string {
  for (const [pattern, explain] of EXPLAINED) {
    const match = pattern.exec(text);
    if (match) return explain(match);
  }
  return `bash informó: ${text}`;
}

/** The student's file name, as the output shows it (without the sandbox's folder). */
export function withoutSandboxPrefix(line: string): string {
  return line.startsWith('/sandbox/') ? line.slice('/sandbox/'.length) : line;
}

/** Follows stderr and keeps the first few errors located in the student's files. */
export class ShellErrorTracker {
  private readonly located: ShellErrorLocation[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly files: readonly string[]) {}

  observe(line: string): void {
    const match = ERROR_LINE.exec(line.trim());
    if (!match || !this.files.includes(match[1]!) || this.located.length >= MAX_LOCATED) return;
    // The second line of a syntax error repeats the token (`line 5: \`fi'`): the first one said it.
    if (/^`.*'$/.test(match[3]!)) return;
    const key = `${match[1]}:${match[2]}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.located.push({ file: match[1]!, line: Number(match[2]), column: 1, message: explainBashError(match[3]!) });
  }

  /** The located errors, in the order bash reported them. */
  errors(): readonly ShellErrorLocation[] {
    return this.located;
  }
}

/**
 * The Hadoop client's errors (FsShell prints `ls: Permission denied: user=ana, access=…,
 * inode="/user/bea":bea:bea:drwx------`; the relay's refusals come back as its message; Hadoop
 * stopped: connection refused, or the relay's 502), said
 * in Spanish once per kind under the output. `undefined` for lines that are not one of them.
 */
const HADOOP_EXPLAINED: [string, RegExp, (m: RegExpExecArray) => string][] = [
  [
    'permission',
    /Permission denied: user=([^,\s]+), access=(\w+), inode="([^"]+)"/,
    (m) =>
      `HDFS ha denegado el acceso: eres «${m[1]}» y «${m[3]}» no es tuyo (se pedía ${m[2]}). Cada alumno tiene su carpeta /user/${m[1]} ` +
      'y solo él puede leerla y escribirla (permisos 700); la carpeta de otro alumno está cerrada para ti, como en un clúster real con permisos activados.',
  ],
  [
    'space-quota',
    /The DiskSpace quota of (?:directory )?(\S+) is exceeded|DSQuotaExceededException/,
    (m) =>
      `Has llenado tu cuota de espacio en HDFS${m[1] ? ` (${m[1]})` : ''}: cada alumno tiene ${HDFS_HOME_QUOTA.spaceMb} MB en su carpeta. ` +
      'Borra lo que ya no necesites con «hdfs dfs -rm -r -skipTrash <ruta>» y mira cuánto usas con «hdfs dfs -count -q -h /user/<tu usuario>».',
  ],
  [
    'name-quota',
    /The NameSpace quota \(directories and files\) of (?:directory )?(\S+) is exceeded|NSQuotaExceededException/,
    (m) =>
      `Has llegado al máximo de archivos y carpetas en HDFS${m[1] ? ` (${m[1]})` : ''}: cada alumno puede tener ${HDFS_HOME_QUOTA.names.toLocaleString('es-ES')}. ` +
      'Borra los que ya no necesites con «hdfs dfs -rm -r -skipTrash <ruta>».',
  ],
  ['permission', /AccessControlException/, () => 'HDFS ha denegado el acceso (AccessControlException): solo puedes leer y escribir en tu carpeta /user/<tu usuario>.'],
  [
    'sandbox',
    /no se permite(?:n)? desde el sandbox|not reachable from this sandbox/,
    () => 'El laboratorio solo deja llegar a HDFS como tú mismo y con las operaciones de un usuario (no doas, ni tokens, ni órdenes de administración).',
  ],
  [
    'unreachable',
    /Connection refused|code=502\b|502 Bad Gateway|Failed to connect to/,
    () => 'El Hadoop del laboratorio no responde ahora mismo; vuelve a ejecutar en unos segundos.',
  ],
  [
    'missing',
    /^\S+: `([^']+)': No such file or directory/,
    (m) => `«${m[1]}» no existe en HDFS: comprueba la ruta con «hdfs dfs -ls» (las rutas relativas parten de tu carpeta /user/<tu usuario>).`,
  ],
];

/** Explains the Hadoop client's errors in Spanish, each kind once per run. */
export class HadoopErrorNotices {
  private readonly said = new Set<string>();

  /** The Spanish notice for this stderr line, the first time its kind appears; otherwise undefined. */
  observe(line: string): string | undefined {
    for (const [kind, pattern, explain] of HADOOP_EXPLAINED) {
      const match = pattern.exec(line);
      if (!match) continue;
      if (this.said.has(kind)) return undefined;
      this.said.add(kind);
      return explain(match);
    }
    return undefined;
  }
}
