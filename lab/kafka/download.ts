import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LabDownloadError } from '../errors';
import { KAFKA_SOURCE_DIR } from './paths';
import { KAFKA_VERSION } from './version';

/** One step of a long operation, for a progress line or bar. */
export interface Progress {
  /** 0..1 */
  readonly fraction: number;
  /** Spanish, ready to print, e.g. "Descargando Kafka 4.4.0… 63%". */
  readonly message: string;
}

export type ProgressListener = (progress: Progress) => void;

/** Tracked list of the jar names the pom resolves to (see the header of jars.txt). */
const JAR_LIST = join(KAFKA_SOURCE_DIR, 'jars.txt');

/** Written into the libs folder last, so its presence means "every jar is there". */
const COMPLETE_MARKER = 'VERSION';

/** What a pom fetches: Kafka's by default; Hadoop's (lab/hadoop/download.ts) reuses the same steps. */
export interface JarProduct {
  /** Spanish name in messages ("Kafka"). */
  readonly name: string;
  /** Written to the libs folder's marker: another version's folder is fetched again. */
  readonly version: string;
  /** Tracked list of the jar names the pom resolves to. */
  readonly jarList: string;
  /** The pom property that names the output folder (`lab.kafka.libs`). */
  readonly libsProperty: string;
}

const KAFKA_JARS: JarProduct = { name: 'Kafka', version: KAFKA_VERSION, jarList: JAR_LIST, libsProperty: 'lab.kafka.libs' };

export function expectedJars(jarList = JAR_LIST): string[] {
  return readFileSync(/*turbopackIgnore: true*/ jarList, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.endsWith('.jar'));
}

/**
 * True when libsDir holds this Kafka version's jars. A folder from another version is
 * not reused: two Kafka versions on one classpath start a broker that fails oddly.
 */
export function jarsReady(libsDir: string, version = KAFKA_VERSION): boolean {
  const marker = join(libsDir, COMPLETE_MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === version;
}

export interface EnsureJarsOptions {
  readonly pom: string;
  readonly libsDir: string;
  readonly onProgress?: ProgressListener;
  /** Rewrite lab/kafka/jars.txt from what Maven copied (after changing the pom). */
  readonly writeJarList?: boolean;
  /** @default Kafka's */
  readonly product?: JarProduct;
}

/**
 * Copies the broker's jars into libsDir with Maven, unless they are already there.
 *
 * Progress: Maven resolves the dependency graph as it goes, so it cannot say up front
 * how much is left. We count its "Downloaded …jar" lines against the tracked jar list
 * instead. With a warm ~/.m2 nothing is downloaded and it jumps straight to 100%.
 */
export async function ensureJars(options: EnsureJarsOptions): Promise<void> {
  const { libsDir, onProgress } = options;
  const product = options.product ?? KAFKA_JARS;
  if (jarsReady(libsDir, product.version) && !options.writeJarList) return;

  // Start clean: leftovers of an older version or an interrupted copy would mix in.
  rmSync(libsDir, { recursive: true, force: true });
  mkdirSync(libsDir, { recursive: true });

  const expected = new Set(expectedJars(product.jarList));
  const seen = new Set<string>();
  const label = `Descargando ${product.name} ${product.version}…`;
  let lastPercent = -1;
  const report = (fraction: number): void => {
    const percent = Math.floor(fraction * 100);
    if (percent === lastPercent) return;
    lastPercent = percent;
    onProgress?.({ fraction, message: `${label} ${percent}%` });
  };
  report(0);

  const tail: string[] = [];
  await runMaven(
    [
      '-B', // batch mode: plain lines, no colours, no interactive prompts
      '-f',
      options.pom,
      'dependency:copy-dependencies',
      `-D${product.libsProperty}=${libsDir}`,
    ],
    (line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      const jar = /^\[INFO\] Downloaded from [^:]+: \S+\/([^/\s]+\.jar)\s/.exec(line)?.[1];
      if (jar && expected.has(jar)) {
        seen.add(jar);
        // Hold back the last percent for the copy step that follows the downloads.
        report(Math.min(seen.size / expected.size, 0.99));
      }
    },
  ).catch((error: unknown) => {
    throw new LabDownloadError(`No se pudo descargar ${product.name} ${product.version} con Maven. Últimas líneas:\n${tail.join('\n')}`, { cause: error, retriable: true });
  });

  const copied = readdirSync(libsDir).filter((name) => name.endsWith('.jar'));
  if (options.writeJarList) writeJarList(product.jarList, copied);
  const missing = [...expected].filter((jar) => !copied.includes(jar));
  if (!options.writeJarList && missing.length > 0) {
    throw new LabDownloadError(
      `Faltan jars de ${product.name} tras la descarga: ${missing.join(', ')}. ` +
        `Si cambiaste su pom.xml, regenera la lista (${product.jarList}) con \`prepare --write-jar-list\`.`,
    );
  }
  writeFileSync(join(libsDir, COMPLETE_MARKER), `${product.version}\n`);
  report(1);
}

function writeJarList(jarList: string, jars: string[]): void {
  const header = readFileSync(jarList, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('#'));
  writeFileSync(jarList, [...header, ...[...jars].sort()].join('\n') + '\n');
}

/** Runs mvn, feeding every output line to onLine; rejects on a non-zero exit. */
function runMaven(args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', onLine);
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error('No se encontró `mvn` en el PATH: instala Maven 3.8 o superior.') : error);
    });
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`mvn terminó con ${signal ?? `código ${code}`}`));
    });
  });
}
