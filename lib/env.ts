import { z } from 'zod';

/** The server's configuration, read once and typed (STYLE.md: env variables in one module). */
const Env = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092').describe('Comma-separated brokers the runs use'),
  CAUCE_LAB_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
  CAUCE_MAX_CONCURRENT_RUNS: z.coerce.number().int().positive().optional().describe('Global cap; default: CPU cores'),
  AIRFLOW_API_URL: z.string().optional().describe('The lab\'s (or an external) Airflow REST base; set by the launcher'),
  AIRFLOW_UI_URL: z.string().optional().describe('Base of the Airflow UI links shown in lessons; default AIRFLOW_API_URL'),
  CAUCE_AIRFLOW_MODE: z.enum(['embedded', 'external']).default('embedded').describe('Set by the launcher'),
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
