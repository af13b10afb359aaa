import os from 'node:os';
import { z } from 'zod';

/** The server's configuration, read once and typed (STYLE.md: env variables in one module). */
const Env = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092').describe('Comma-separated brokers the runs use'),
  CAUCE_LAB_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
  CAUCE_MAX_CONCURRENT_RUNS: z.coerce.number().int().positive().optional().describe('Runs executing at once (queue cap and sandbox slots, at most 64); default: CPU cores'),
  AIRFLOW_API_URL: z.string().optional().describe('The lab\'s (or an external) Airflow REST base; set by the launcher'),
  AIRFLOW_UI_URL: z.string().optional().describe('Base of the Airflow UI links shown in lessons; default AIRFLOW_API_URL'),
  KAFKA_ADMIN_USERNAME: z.string().optional().describe('Kafka super user (SCRAM-SHA-512) for provisioning students; set by the launcher, never passed to runs'),
  KAFKA_ADMIN_PASSWORD: z.string().optional().describe('Its password; without both, runs use Kafka without SASL or isolation (external mode)'),
  CAUCE_AIRFLOW_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
  // The embedded Airflow's task launcher (read where used: lib/runs/airflow-tasks/launcher.ts), all set by the launcher.
  CAUCE_TASK_LAUNCHER_SOCKET: z.string().optional().describe('Unix socket the lab\'s executor hands each task to; the site runs the task in the sandbox'),
  AIRFLOW_LOGS_DIR: z.string().optional().describe('The lab Airflow\'s base log folder: a task\'s sandbox may write only its own log file there'),
  CAUCE_AIRFLOW_UID: z.coerce.number().int().positive().optional().describe('The uid the lab\'s Airflow runs as (owns the launcher socket and the log files)'),
  // Course hosting (read where used, at request time: lib/auth/mode.ts, lib/db/connect.ts, lib/auth/session.ts).
  CAUCE_MODE: z.string().optional().describe('"course": students join with a code, instructors sign in; anything else: single-user (the default)'),
  DATABASE_URL: z.string().optional().describe('PostgreSQL for the site\'s data; default SQLite in <lab dir>/cauce.sqlite'),
  CAUCE_DB_FILE: z.string().optional().describe('The SQLite file (tests: ":memory:")'),
  CAUCE_SESSION_SECRET: z.string().optional().describe('Session signing key shared by several servers; default: random, kept in the database'),
  CAUCE_INSTRUCTOR_PASSWORD: z.string().optional().describe('Initial instructor password; default: generated and printed once'),
  CAUCE_RUNS_PER_MINUTE: z.coerce.number().int().positive().optional().describe('Runs one student may start per minute; default 20'),
  // Who may connect: read by the front door (lib/http/front-door.mjs) in scripts/serve-next.mjs, before Next starts.
  CAUCE_HOST: z.string().optional().describe('Address the site listens on; default 127.0.0.1 (this machine only). `npm start -- --host 0.0.0.0` also sets it'),
  CAUCE_ALLOWED_HOSTS: z.string().optional().describe('Comma-separated extra Host names served, e.g. a reverse proxy\'s public name ("aula.example.org" or with ":port"); loopback and the listening address always are'),
  CAUCE_RUNS_PER_STUDENT: z.coerce.number().int().positive().optional().describe('Concurrent runs per student; default 1'),
});

export type ServerEnv = z.infer<typeof Env>;

let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  cached ??= Env.parse(process.env);
  return cached;
}

export function kafkaBrokers(): string[] {
  return serverEnv().KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
}

/**
 * Runs executing at once: the queue's cap and the number of sandbox uid slots, from one place,
 * so a run the queue lets through always finds a slot (a smaller slot pool made the run after
 * the 4th fail with "ocupado" on a larger machine instead of waiting). Default: the cores.
 * At most 64: kafka-ts slots are uids 61000+ and tests' own sandboxes start at 61100.
 */
export function concurrentRuns(): number {
  return Math.min(64, serverEnv().CAUCE_MAX_CONCURRENT_RUNS ?? Math.max(1, os.availableParallelism()));
}
