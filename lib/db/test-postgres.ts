/**
 * A throwaway PostgreSQL server for tests: initdb in a temp folder, started with pg_ctl on a
 * free port (as the `postgres` user when running as root), stopped and removed afterwards.
 * Needs Debian's `postgresql` package (scripts/cauce.mjs installs it for `npm test`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Db, openMigrated } from './index';

export interface TestPostgres {
  url: string;
  stop(): void;
}

function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL no está instalado (apt-get install postgresql): las pruebas de la base de datos lo necesitan.');
  return path.join(base, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (command: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' }) : execFileSync(command, args, { stdio: 'pipe' });
  const port = await freePort();
  run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'cauce', '--no-sync', '-E', 'UTF8']);
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '60', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    url: `postgres://cauce@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Both backends the site runs on, for `describe.each`: an in-memory SQLite and a throwaway PostgreSQL, migrated. */
export const TEST_BACKENDS: [string, () => Promise<{ db: Db; done: () => Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const db = await openMigrated({ kind: 'sqlite', file: ':memory:' });
      return { db, done: () => db.destroy() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const pg = await startTestPostgres();
      const db = await openMigrated({ kind: 'postgres', url: pg.url });
      return {
        db,
        done: async () => {
          await db.destroy();
          pg.stop();
        },
      };
    },
  ],
];
