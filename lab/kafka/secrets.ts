import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The embedded broker's own secrets, generated on the first prepare() and kept in
 * `<state>/secrets.json` (mode 0600, under the gitignored .lab/). Nothing here ever reaches
 * a student run: the site's server gets the admin credential through its environment
 * (KAFKA_ADMIN_*), students get their own SCRAM principal (see tenants.ts).
 */
const Secrets = z.strictObject({
  adminUser: z.string().describe('SCRAM-SHA-512 super user of the client listener'),
  adminPassword: z.string().describe('Its password; also in server.properties for inter-broker traffic'),
  controllerPassword: z.string().describe('PLAIN password of the controller listener, known only to the broker'),
});
export type KafkaSecrets = z.infer<typeof Secrets>;

/** Fixed admin principal. Student principals are `alumno-<slug>`, so they can never be it. */
export const ADMIN_USER = 'admin';

export function secretsFile(stateDir: string): string {
  return join(stateDir, 'secrets.json');
}

export function readSecrets(stateDir: string): KafkaSecrets | undefined {
  const file = secretsFile(stateDir);
  if (!existsSync(file)) return undefined;
  return Secrets.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Hex only: the values go into JAAS strings and StorageTool's --add-scram without quoting. */
export function createSecrets(stateDir: string): KafkaSecrets {
  const secrets: KafkaSecrets = {
    adminUser: ADMIN_USER,
    adminPassword: randomBytes(24).toString('hex'),
    controllerPassword: randomBytes(24).toString('hex'),
  };
  const file = secretsFile(stateDir);
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
