import path from 'node:path';
import { airflowPaths } from '@/lab/airflow/paths';
import { siteMode } from '@/lib/auth/mode';
import { envVar, type EnvSource } from '@/lib/env';

/** How to sign in to the Airflow UI, as the lab badge shows it beside "Abrir la interfaz de Airflow". */
export interface AirflowSignIn {
  username: string;
  /** The lab's own Airflow: its generated password (the student's machine, the student's lab). */
  password?: string;
  /** Where the password is kept, or where it comes from for an external Airflow. */
  where: string;
}

/**
 * Studying alone, the student owns the lab: the badge says how to sign in (the embedded
 * Airflow's user and generated password; for an external one, whose credentials to use).
 * In course mode, never: those are the lab's admin credentials and the class shares that lab.
 */
export function airflowSignIn(source?: EnvSource): AirflowSignIn | undefined {
  if (siteMode(source) === 'course') return undefined;
  const username = envVar('AIRFLOW_USERNAME', source) ?? 'admin';
  if (envVar('CAUCE_AIRFLOW_MODE', source) === 'external') {
    return { username, where: 'la contraseña de ese Airflow (la de AIRFLOW_PASSWORD al arrancar Cauce)' };
  }
  const password = envVar('AIRFLOW_PASSWORD', source);
  const { secretsFile } = airflowPaths();
  const relative = path.relative(process.cwd(), secretsFile);
  const file = relative.startsWith('..') ? secretsFile : relative;
  return { username, ...(password ? { password } : {}), where: `guardada en ${file}, campo adminPassword` };
}
