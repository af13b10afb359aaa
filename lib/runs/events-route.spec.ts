/**
 * The run's SSE stream: every event carries its seq as the SSE id, and a reconnecting page
 * (Last-Event-ID) gets only what it missed: no line twice after a network blip.
 */
import { describe, expect, it, vi } from 'vitest';
import { Run } from './run';

const run = new Run({ lesson: 'kafka/consumidor', snippet: 'kafka/consumidor/bucle', kind: 'kafka-ts', files: [{ name: 'c.ts', content: '' }] });
vi.mock('@/lib/auth/user', () => ({ userFromRequest: async () => ({ role: 'local' }), ownerKey: () => 'local' }));
vi.mock('@/lib/runs/registry', () => ({ findOwnRun: (id: string) => (id === run.id ? run : undefined) }));
const { GET } = await import('@/app/api/runs/[id]/events/route');
const { db } = await import('@/lib/db');
const { recordRun } = await import('@/lib/db/runs');

async function open(id: string, lastEventId?: string): Promise<Response> {
  return GET(new Request(`http://localhost/api/runs/${id}/events`, { headers: lastEventId ? { 'last-event-id': lastEventId } : {} }), {
    params: Promise.resolve({ id }),
  });
}

async function read(lastEventId?: string): Promise<string> {
  return (await open(run.id, lastEventId)).text(); // the stream ends with the run's exit event
}

describe('el flujo de eventos de una ejecución', () => {
  for (const text of ['uno', 'dos', 'tres']) run.emit({ type: 'stdout', text });
  run.emit({ type: 'exit', reason: 'finished', exitCode: 0, durationMs: 1, message: 'Terminó.' });

  it('cada evento lleva su número como id', async () => {
    const body = await read();
    expect(body.match(/^id: \d+$/gm)).toEqual(['id: 0', 'id: 1', 'id: 2', 'id: 3']);
    expect(body).toContain('id: 1\ndata: {"type":"stdout","text":"dos"}\n\n');
  });

  it('al reconectar con Last-Event-ID solo llega lo que faltaba, nada dos veces', async () => {
    const body = await read('1');
    expect(body.match(/"text":"\w+"/g)).toEqual(['"text":"tres"']);
    expect(body).toContain('"type":"exit"');
    expect(body).not.toContain('"uno"');
    // A malformed id is a first connection: everything once.
    expect((await read('x')).match(/"text":"\w+"/g)).toEqual(['"text":"uno"', '"text":"dos"', '"text":"tres"']);
  });
});

describe('una página que reconecta tras reiniciarse el servidor', () => {
  const row = (id: string, owner: string, status: string) => ({
    id,
    student_id: null,
    course_id: null,
    owner,
    lesson: 'kafka/consumidor',
    snippet: 'kafka/consumidor/bucle',
    kind: 'kafka-ts',
    code: '[]',
    status,
    exit_code: null,
    duration_ms: null,
    error: null,
    created_at: new Date().toISOString(),
    ended_at: null,
  });

  it('oye que su ejecución se interrumpió (con el siguiente id), no un 404', async () => {
    await recordRun(await db(), row('cortada', 'local', 'interrupted'));
    const response = await open('cortada', '7');
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/^id: 8\ndata: \{"type":"exit","reason":"interrupted"/);
    expect(body).toContain('El servidor del sitio se detuvo mientras tu programa se ejecutaba');
  });

  it('la de otro, o una que no existe, sigue siendo un 404', async () => {
    await recordRun(await db(), row('ajena', 'student:otro', 'interrupted'));
    expect((await open('ajena')).status).toBe(404);
    expect((await open('nunca-existio')).status).toBe(404);
  });
});
