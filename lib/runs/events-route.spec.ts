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

async function read(lastEventId?: string): Promise<string> {
  const response = await GET(new Request(`http://localhost/api/runs/${run.id}/events`, { headers: lastEventId ? { 'last-event-id': lastEventId } : {} }), {
    params: Promise.resolve({ id: run.id }),
  });
  return response.text(); // the stream ends with the run's exit event
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
