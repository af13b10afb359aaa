import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Keys and the admin password of the lab's Airflow, generated at first start, never committed. */
export interface AirflowSecrets {
  /** Shared by api-server and scheduler: tokens one signs the other must accept. */
  readonly jwtSecret: string;
  readonly apiSecretKey: string;
  /** Encrypts connection passwords in the metadata DB. */
  readonly fernetKey: string;
  /** SimpleAuthManager user "admin". */
  readonly adminPassword: string;
}

export const ADMIN_USER = 'admin';

/**
 * Reads `<AIRFLOW_HOME>/cauce-secrets.json` (mode 600) or creates it. Also writes the
 * SimpleAuthManager passwords file so the generated password is the one Airflow accepts.
 * Returns `created: true` the first time, when the caller should print the credentials.
 */
export function ensureSecrets(secretsFile: string, passwordsFile: string): { secrets: AirflowSecrets; created: boolean } {
  let secrets: AirflowSecrets | undefined;
  if (existsSync(secretsFile)) {
    try {
      secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as AirflowSecrets;
    } catch {
      secrets = undefined; // unreadable: start over (the old DB only loses encrypted connections)
    }
  }
  const created = !secrets;
  secrets ??= {
    jwtSecret: randomBytes(32).toString('hex'),
    apiSecretKey: randomBytes(32).toString('hex'),
    // Fernet wants 32 bytes in padded, URL-safe base64.
    fernetKey: randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_'),
    adminPassword: randomBytes(12).toString('base64url'),
  };
  mkdirSync(dirname(secretsFile), { recursive: true });
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  writeFileSync(passwordsFile, JSON.stringify({ [ADMIN_USER]: secrets.adminPassword }) + '\n', { mode: 0o600 });
  return { secrets, created };
}
