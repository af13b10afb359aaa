import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A second site server in course mode (CAUCE_MODE=course) on its own port and its own
 * throwaway SQLite file, beside the single-user one the other specs use. It shares the e2e
 * lab's Kafka. Same production build, same one-process server as `npm start`.
 */
export interface CourseServer {
  baseURL: string;
  instructorPassword: string;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '..');

export async function startCourseServer(port = Number(process.env.E2E_COURSE_PORT ?? 3211)): Promise<CourseServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-curso-'));
  const instructorPassword = 'contraseña-de-prueba-e2e';
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'scripts', 'serve-next.mjs'), String(port)], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      CAUCE_MODE: 'course',
      CAUCE_DB_FILE: path.join(dir, 'cauce.sqlite'),
      CAUCE_INSTRUCTOR_PASSWORD: instructorPassword,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.CAUCE_KAFKA_PORT ?? 19092}`,
    },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const baseURL = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseURL}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`El servidor en modo curso no arrancó:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    baseURL,
    instructorPassword,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The id Next gave a server action (from the build's manifest), to call it as an attacker would. */
export function serverActionId(file: string, exportedName: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, '.next', 'server', 'server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
  };
  const found = Object.entries(manifest.node).find(([, entry]) => entry.filename === file && entry.exportedName === exportedName);
  if (!found) throw new Error(`No se encontró la acción ${file}#${exportedName} en el manifiesto de la build.`);
  return found[0];
}
