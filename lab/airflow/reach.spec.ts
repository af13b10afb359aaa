/**
 * A clone the sandbox's uids cannot reach (under /root, 0700) is refused when Airflow is
 * prepared, in Spanish and naming the folder, instead of every DAG run failing later with
 * bwrap's English «Can't find source path». Runs as root, like the sandbox.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closedParent } from '@/lib/sandbox/runtime';
import { prepareAirflow } from './install';

const made: string[] = [];
function folder(mode: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cauce-reach-'));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
}

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('una copia de Cauce a la que el sandbox no llega', () => {
  it('se nombra la primera carpeta que no deja pasar a otros usuarios', async () => {
    const closed = folder(0o700);
    mkdirSync(path.join(closed, 'cauce', '.lab'), { recursive: true });
    expect(await closedParent(path.join(closed, 'cauce', '.lab', 'airflow', 'venv'))).toBe(closed);
    expect(await closedParent(path.join(folder(0o755), 'cauce', 'venv'))).toBeUndefined();
  });

  it('preparar Airflow lo dice en español, con la carpeta y cómo arreglarlo, antes de instalar nada', async () => {
    if (process.getuid?.() !== 0) throw new Error('esta prueba necesita root, como el sandbox');
    const closed = folder(0o700);
    vi.stubEnv('CAUCE_AIRFLOW_INSTALL_DIR', path.join(closed, 'cauce', '.lab', 'airflow'));
    await expect(prepareAirflow()).rejects.toThrow(`no pueden entrar en ${closed}`);
    await expect(prepareAirflow()).rejects.toThrow(`chmod o+x ${closed}`);
  });
});
