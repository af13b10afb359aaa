import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../schema';
import type { PysparkS3Access, PysparkS3Listing } from './lab';
import { ObjectWatcher } from './objects';

const access = { endpoint: 'http://s3', accessKeyId: 'a', secretAccessKey: 's', bucket: 'test-bucket', prefix: 'alumnos/ana/', isolated: true } satisfies PysparkS3Access;
const listing = (...keys: string[]): PysparkS3Listing => ({
  bucket: 'test-bucket',
  prefix: 'alumnos/ana/',
  objects: keys.map((key) => ({ key, size: 10, lastModified: '' })),
  truncated: false,
});

describe('los objetos que escribe un trabajo de Spark', () => {
  it('la primera lista es la base (lo que dejaron ejecuciones anteriores no es nuevo); después, solo lo que apareció', async () => {
    const listings = [listing('alumnos/ana/mensajes/a.parquet'), listing('alumnos/ana/mensajes/a.parquet', 'alumnos/ana/mensajes/b.parquet')];
    const events: Extract<RunEvent, { type: 's3-objects' }>[] = [];
    const watcher = new ObjectWatcher(
      access,
      (e) => events.push(e),
      async () => listings.shift()!,
    );
    watcher.refresh();
    await watcher.settle();
    watcher.refresh();
    await watcher.settle();
    expect(events.map((e) => e.added)).toEqual([[], ['alumnos/ana/mensajes/b.parquet']]);
    expect(events[1]!.objects).toEqual([
      { key: 'alumnos/ana/mensajes/a.parquet', size: 10 },
      { key: 'alumnos/ana/mensajes/b.parquet', size: 10 },
    ]);
  });

  it('varios lotes mientras una lista está en curso piden una sola lista más, nunca una cola', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const watcher = new ObjectWatcher(
      access,
      () => undefined,
      async () => {
        calls += 1;
        if (calls === 1) await gate;
        return listing();
      },
    );
    watcher.refresh();
    watcher.refresh();
    watcher.refresh();
    release();
    await watcher.settle();
    expect(calls).toBe(2);
  });

  it('una lista que falla no detiene la ejecución: se pierde ese refresco', async () => {
    const events: unknown[] = [];
    const watcher = new ObjectWatcher(
      access,
      (e) => events.push(e),
      () => Promise.reject(new Error('503')),
    );
    const quiet = console.error;
    console.error = () => undefined;
    watcher.refresh();
    await watcher.settle();
    console.error = quiet;
    expect(events).toEqual([]);
  });
});
