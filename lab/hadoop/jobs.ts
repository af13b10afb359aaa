import { join } from 'node:path';
import { HADOOP_EXAMPLE_LIMITS } from '../../lib/limits';
import { LabError } from '../errors';
import { runHadoopJava } from './cluster';
import type { HadoopPaths } from './paths';
import { HADOOP_VERSION } from './version';

/**
 * The programs of hadoop-mapreduce-examples the lab submits on a student's behalf: the trusted
 * side runs the job client (as the student, so YARN and HDFS see them), never student code.
 * Each takes HDFS paths only; an input or output outside the student's home is refused by HDFS
 * itself (permissions), not by a check here.
 */
export const EXAMPLE_PROGRAMS = ['wordcount', 'grep', 'pi', 'wordmean', 'teragen', 'terasort'] as const;
export type ExampleProgram = (typeof EXAMPLE_PROGRAMS)[number];

export interface JobProgress {
  /** 0..100 */
  readonly map: number;
  readonly reduce: number;
}

export interface RunExampleOptions {
  /** The HDFS user the job runs as (the student's slug). */
  readonly user: string;
  readonly onProgress?: (progress: JobProgress) => void;
  readonly onLine?: (line: string) => void;
  /** @default 600000 */
  readonly timeoutMs?: number;
  /** Aborting kills the job client; the caller kills the application on YARN. @default never */
  readonly signal?: AbortSignal;
}

/**
 * Why a program's arguments cannot be given to YARN, in Spanish; undefined when they can. The
 * job client reads Hadoop's generic options among them (GenericOptionsParser): `-libjars`,
 * `-files`, `-archives` would ship the student's code or native libraries into containers that
 * run as the lab's OS user, `-D` would set any property (`mapreduce.map.env=LD_PRELOAD=…`). A
 * URI (`file:///etc/shadow`, another cluster's `hdfs://`) would make the job read the node's
 * own files. So: no option, no scheme, only paths of the lab's HDFS; and the sizes below.
 */
export function refusedArguments(program: ExampleProgram, args: readonly string[]): string | undefined {
  for (const arg of args) {
    if (arg.startsWith('-'))
      return `«${arg}»: las opciones genéricas de Hadoop (-D, -libjars, -files, -archives…) no se permiten en el laboratorio: cargarían código o configuración tuyos en los contenedores de YARN.`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(arg)) return `«${arg}»: en el laboratorio los trabajos solo leen y escriben rutas de HDFS (sin esquema: «entrada.txt», «/user/…»).`;
  }
  const number = (index: number) => Number(args[index]);
  if (program === 'teragen' && !(number(0) <= HADOOP_EXAMPLE_LIMITS.teragenRows))
    return `teragen: como mucho ${HADOOP_EXAMPLE_LIMITS.teragenRows.toLocaleString('es-ES')} filas en el laboratorio (100 bytes cada una).`;
  if (program === 'pi' && !(number(0) <= HADOOP_EXAMPLE_LIMITS.piMaps && number(1) <= HADOOP_EXAMPLE_LIMITS.piSamples)) {
    return `pi: como mucho ${HADOOP_EXAMPLE_LIMITS.piMaps} maps y ${HADOOP_EXAMPLE_LIMITS.piSamples.toLocaleString('es-ES')} muestras por map en el laboratorio.`;
  }
  return undefined;
}

/** "map 40% reduce 0%" as the job client prints it. */
export function parseJobProgress(line: string): JobProgress | undefined {
  const match = /\bmap (\d+)% reduce (\d+)%/.exec(line);
  return match ? { map: Number(match[1]), reduce: Number(match[2]) } : undefined;
}

/**
 * The id YARN gave the job ("job_1796633444712_0001"), from the client's output: its
 * `Submitted application application_…` line (the first one, printed as soon as YARN accepted
 * it) or `Running job: job_…`.
 */
export function jobId(output: string): string | undefined {
  const match = /\bSubmitted application application_(\d+_\d+)|\bRunning job: job_(\d+_\d+)/.exec(output);
  return match ? `job_${match[1] ?? match[2]}` : undefined;
}

/**
 * Runs one allow-listed example program (`hadoop jar hadoop-mapreduce-examples.jar <program> …`)
 * on the lab's YARN as `options.user`, streaming the job's map and reduce progress.
 */
export async function runExample(
  paths: HadoopPaths,
  program: ExampleProgram,
  args: readonly string[],
  options: RunExampleOptions,
): Promise<{ ok: boolean; output: string; jobId?: string }> {
  if (!EXAMPLE_PROGRAMS.includes(program)) throw new LabError(`«${String(program)}» no es uno de los programas de ejemplo permitidos (${EXAMPLE_PROGRAMS.join(', ')}).`);
  const refused = refusedArguments(program, args);
  if (refused) throw new LabError(refused);
  const jar = join(paths.libsDir, `hadoop-mapreduce-examples-${HADOOP_VERSION}.jar`);
  const { code, output } = await runHadoopJava(paths, 'org.apache.hadoop.util.RunJar', [jar, program, ...args], {
    user: options.user,
    timeoutMs: options.timeoutMs ?? 600_000,
    ...(options.signal ? { signal: options.signal } : {}),
    onLine: (line) => {
      options.onLine?.(line);
      const progress = parseJobProgress(line);
      if (progress) options.onProgress?.(progress);
    },
  });
  const id = jobId(output);
  return { ok: code === 0, output, ...(id ? { jobId: id } : {}) };
}
