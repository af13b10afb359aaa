import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { readSecrets } from '../lab/kafka/secrets';
import { hadoopPort, hadoopPortMap, s3Port, s3PortMap, sparkPort } from '../lab/ports';
import { readS3Secrets } from '../lab/s3/secrets';
import { Supervisor } from '../lab/supervisor';
import { SiteServer } from '../scripts/site-server';
import { expect } from './fixtures';

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

/** What a course-mode server on the e2e lab needs: its own SQLite file, the instructor's password, the lab's Kafka admin. */
function courseServerEnv(dir: string, instructorPassword: string, env: Record<string, string>): Record<string, string> {
  // A second site on the same lab needs the lab's Kafka admin, as `npm start` hands its own
  // site: without it the site cannot create the students' principals and no run reaches Kafka.
  const labDir = process.env.CAUCE_LAB_DIR ?? path.join(root, '.lab');
  const kafka = readSecrets(path.join(labDir, 'kafka'));
  if (!kafka) throw new Error(`No están las credenciales del Kafka del laboratorio en ${labDir}/kafka: ¿arrancó el laboratorio de e2e?`);
  const hadoop = hadoopPortMap(hadoopPort());
  // The lab's S3 store (on demand), as lab/s3/start.ts hands it to the launcher's site: its admin
  // key is created when the launcher starts, so it is there once the e2e lab is up.
  const s3 = s3PortMap(s3Port());
  const s3Secrets = readS3Secrets(path.join(labDir, 's3'));
  const brokers = process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.CAUCE_KAFKA_PORT ?? 19092}`;
  return {
    CAUCE_MODE: 'course',
    CAUCE_DB_FILE: path.join(dir, 'cauce.sqlite'),
    CAUCE_INSTRUCTOR_PASSWORD: instructorPassword,
    KAFKA_BROKERS: brokers,
    KAFKA_ADMIN_USERNAME: kafka.adminUser,
    KAFKA_ADMIN_PASSWORD: kafka.adminPassword,
    // And the lab's Hadoop, as lab/hadoop/start.ts hands it to the launcher's site.
    CAUCE_HADOOP_MODE: 'embedded',
    CAUCE_HADOOP_NAMENODE_URL: `http://127.0.0.1:${hadoop.namenodeHttp}`,
    CAUCE_HADOOP_RM_URL: `http://127.0.0.1:${hadoop.resourcemanagerHttp}`,
    ...(s3Secrets
      ? {
          CAUCE_S3_MODE: 'embedded',
          CAUCE_S3_ENDPOINT: `http://127.0.0.1:${s3.s3}`,
          CAUCE_S3_FILER_URL: `http://127.0.0.1:${s3.filer}`,
          CAUCE_S3_ADMIN_ACCESS_KEY: s3Secrets.adminAccessKey,
          CAUCE_S3_ADMIN_SECRET_KEY: s3Secrets.adminSecretKey,
        }
      : {}),
    // And its Spark Connect server, as lab/spark/start.ts hands it (CAUCE_SPARK_PORT: 15102 in e2e).
    CAUCE_SPARK_MODE: 'embedded',
    CAUCE_SPARK_REMOTE: `sc://127.0.0.1:${sparkPort()}`,
    CAUCE_SPARK_KAFKA_BOOTSTRAP: brokers,
    ...env,
  };
}

const INSTRUCTOR_PASSWORD = 'contraseña-de-prueba-e2e';

async function waitForHealth(baseURL: string, alive: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseURL}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (!alive() || Date.now() > deadline) throw new Error(`El servidor en modo curso no arrancó:\n${log()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `env`: more configuration for this server only (e.g. a smaller run capacity). */
export async function startCourseServer(port = Number(process.env.E2E_COURSE_PORT ?? 3211), env: Record<string, string> = {}): Promise<CourseServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-curso-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'scripts', 'serve-next.mjs'), String(port)], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...courseServerEnv(dir, INSTRUCTOR_PASSWORD, env) },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const baseURL = `http://localhost:${port}`;
  await waitForHealth(
    baseURL,
    () => child.exitCode === null,
    () => log,
  );
  return {
    baseURL,
    instructorPassword: INSTRUCTOR_PASSWORD,
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

export interface SupervisedCourseServer extends CourseServer {
  /** The server process now (changes when the supervisor restarts it). */
  pid(): number | undefined;
  /** The supervisor's Spanish lines so far. */
  supervisorLog(): string;
}

/**
 * A course-mode server exactly as `npm start` keeps the site (scripts/site.ts): the launcher's
 * SiteServer under the lab's Supervisor, so a server killed mid-class comes back by itself, on
 * the same database. For the fault specs.
 */
export async function startSupervisedCourseServer(port: number, env: Record<string, string> = {}): Promise<SupervisedCourseServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cauce-curso-supervisado-'));
  const server = new SiteServer({ port, host: '127.0.0.1', env: courseServerEnv(dir, INSTRUCTOR_PASSWORD, env) });
  const lines: string[] = [];
  const supervisor = new Supervisor(server, { healthTimeoutMs: 60_000, maxRestarts: 3, log: (line) => lines.push(line) });
  await supervisor.start();
  return {
    baseURL: `http://localhost:${port}`,
    instructorPassword: INSTRUCTOR_PASSWORD,
    pid: () => server.pid,
    supervisorLog: () => lines.join('\n'),
    async stop() {
      await supervisor.stop();
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

/** The instructor signs in with the server's password (lands on their dashboard). */
export async function signInAsInstructor(page: Page, server: CourseServer): Promise<void> {
  await page.goto('/profesor/entrar');
  await page.getByLabel('Usuario').fill('profesor');
  await page.getByLabel('Contraseña').fill(server.instructorPassword);
  await page.getByRole('button', { name: 'Entrar' }).click();
}

/** The instructor signs in and creates a course; returns its join code. */
export async function createCourse(browser: Browser, server: CourseServer, title: string): Promise<string> {
  const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
  const page = await context.newPage();
  await signInAsInstructor(page, server);
  await page.getByLabel('Título del nuevo curso').fill(title);
  await page.getByRole('button', { name: 'Crear curso' }).click();
  const status = page.getByRole('status').filter({ hasText: 'Código para los alumnos' });
  await expect(status).toBeVisible();
  const code = (/Código para los alumnos: ([A-Z0-9]{8})/.exec(await status.innerText()) ?? [])[1];
  if (!code) throw new Error('El panel del profesor no mostró el código del curso.');
  await context.close();
  return code;
}

/** A student joins the course in a fresh browser context (their own session); `shownAs`: the name the header shows. */
export async function joinCourse(browser: Browser, server: CourseServer, code: string, name: string, shownAs = name): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.baseURL, locale: 'es-ES' });
  const page = await context.newPage();
  await page.goto('/unirse');
  await page.getByLabel('Código del curso').fill(code);
  await page.getByLabel('Tu nombre').fill(name);
  await page.getByRole('button', { name: 'Unirme' }).click();
  await expect(page.getByRole('navigation', { name: 'Sesión' })).toContainText(shownAs);
  return page;
}
