/** Where a sandboxed DAG file parse may look: derived from the request and checked, never trusted. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { placeParse, type ParseRequest } from './parse-try';

const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'cauce-parse-')));
const dags = path.join(root, 'dags');
mkdirSync(path.join(dags, 'cauce_ana'), { recursive: true });
mkdirSync(path.join(dags, 'cauce_bea'), { recursive: true });
mkdirSync(path.join(dags, 'lab'), { recursive: true });
writeFileSync(path.join(dags, 'cauce_ana', 'dag.py'), '');
writeFileSync(path.join(dags, 'cauce_bea', 'secreto.py'), '');
writeFileSync(path.join(dags, 'lab', 'x.py'), '');
symlinkSync(path.join(dags, 'cauce_bea', 'secreto.py'), path.join(dags, 'cauce_ana', 'enlace.py'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const request = (relPath: string, file = path.join(dags, relPath), bundlePath = dags): ParseRequest => ({
  type: 'ParseDagFile',
  nonce: '0'.repeat(32),
  file,
  bundlePath,
  relPath,
});

describe('qué archivo puede leer un análisis de DAG aislado', () => {
  it('un archivo de la carpeta de un alumno: solo esa carpeta', async () => {
    await expect(placeParse(request('cauce_ana/dag.py'), dags)).resolves.toEqual({
      student: 'ana',
      studentFolder: path.join(dags, 'cauce_ana'),
      file: path.join(dags, 'cauce_ana', 'dag.py'),
    });
  });

  it('rechaza lo que no está en la carpeta de un alumno, o lo que sale de ella', async () => {
    await expect(placeParse(request('lab/x.py'), dags)).rejects.toThrow(/not inside a student's folder/);
    await expect(placeParse(request('../dags/cauce_ana/dag.py'), dags)).rejects.toThrow(/not inside a student's folder/);
    // The path says ana's folder, the file is bea's: a symlink, or a file that disagrees.
    await expect(placeParse(request('cauce_ana/enlace.py'), dags)).rejects.toThrow(/is not the file/);
    await expect(placeParse(request('cauce_ana/dag.py', path.join(dags, 'cauce_bea', 'secreto.py')), dags)).rejects.toThrow(/is not the file/);
    await expect(placeParse(request('cauce_ana/dag.py', undefined, root), dags)).rejects.toThrow(/is not the lab's DAG folder/);
    await expect(placeParse(request('cauce_ana/no-existe.py'), dags)).rejects.toThrow(/is not the file/);
  });
});
