import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The embedded store's admin credential, generated on the first prepare() and kept in
 * `<state>/secrets.json` (mode 0600, under the gitignored .lab/), as Kafka's are. The site's
 * server gets it through its environment (CAUCE_S3_ADMIN_*) to create students' identities and
 * read their prefixes for the S3 browser; no student run ever sees it.
 */
const Secrets = z.strictObject({
  adminAccessKey: z.string().describe('Access key of the identity with the Admin action'),
  adminSecretKey: z.string().describe('Its secret key; also the HMAC key of every student secret (lab/s3/identities.ts)'),
});
export type S3Secrets = z.infer<typeof Secrets>;

/** The admin identity's name in SeaweedFS; students' are `alumno-<slug>`, so they never meet. */
export const S3_ADMIN_NAME = 'cauce-admin';

export function s3SecretsFile(stateDir: string): string {
  return join(stateDir, 'secrets.json');
}

/** The secrets, created the first time (hex and letters only: they go into JSON and signatures unquoted). */
export function ensureS3Secrets(stateDir: string): S3Secrets {
  const file = s3SecretsFile(stateDir);
  if (existsSync(file)) return Secrets.parse(JSON.parse(readFileSync(file, 'utf8')));
  mkdirSync(stateDir, { recursive: true });
  const secrets: S3Secrets = {
    // AWS-shaped: 20 upper-case characters for the key id, 40 for the secret.
    adminAccessKey: `CAUCEADMIN${randomBytes(5).toString('hex').toUpperCase()}`,
    adminSecretKey: randomBytes(20).toString('hex'),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

/** The secrets of a store already prepared, or undefined (the CLI's status on a fresh folder). */
export function readS3Secrets(stateDir: string): S3Secrets | undefined {
  const file = s3SecretsFile(stateDir);
  return existsSync(file) ? Secrets.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}
