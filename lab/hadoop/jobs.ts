import { join } from 'node:path';
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
}

/** "map 40% reduce 0%" as the job client prints it. */
export function parseJobProgress(line: string): JobProgress | undefined {
  const match = /\bmap (\d+)% reduce (\d+)%/.exec(line);
  return match ? { map: Number(match[1]), reduce: Number(match[2]) } : undefined;
}

/** The id YARN gave the job ("job_1796633444712_0001"), from the client's output. */
export function jobId(output: string): string | undefined {
  return /\bRunning job: (job_\d+_\d+)/.exec(output)?.[1];
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
  const jar = join(paths.libsDir, `hadoop-mapreduce-examples-${HADOOP_VERSION}.jar`);
  const { code, output } = await runHadoopJava(paths, 'org.apache.hadoop.util.RunJar', [jar, program, ...args], {
    user: options.user,
    timeoutMs: options.timeoutMs ?? 600_000,
    onLine: (line) => {
      options.onLine?.(line);
      const progress = parseJobProgress(line);
      if (progress) options.onProgress?.(progress);
    },
  });
  const id = jobId(output);
  return { ok: code === 0, output, ...(id ? { jobId: id } : {}) };
}
