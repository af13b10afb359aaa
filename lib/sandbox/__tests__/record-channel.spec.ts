import { describe, expect, it } from 'vitest';
import { MAX_CHUNK_CHARS } from '@/lib/limits';
import { OutputCollector, type SandboxOutput } from '../output';
import { RECORD_MARKER } from '../record-marker';

const record = (offset: number) => `${RECORD_MARKER}${JSON.stringify({ direction: 'produced', topic: 't', partition: 0, offset: String(offset), key: null, value: 'x' })}\n`;

function collect(limitBytes: number) {
  const out: SandboxOutput[] = [];
  const collector = new OutputCollector({ limitBytes, emit: (o) => out.push(o), recordMarker: RECORD_MARKER });
  const text = () => out.filter((o) => !o.record).map((o) => o.text);
  const records = () => out.filter((o) => o.record).map((o) => o.text);
  return { out, collector, text, records };
}

describe('el canal de registros de la salida', () => {
  it('un productor de muchos mensajes no gasta el límite de salida con sus registros', () => {
    const { collector, text, records } = collect(100);
    const all = Array.from({ length: 30_000 }, (_, i) => record(i)).join('');
    // Arrives in pipe-sized pieces, cut anywhere (inside the marker too).
    for (let at = 0; at < all.length; at += 4093) expect(collector.write('stdout', Buffer.from(all.slice(at, at + 4093)))).toBe(true);
    collector.end();
    expect(records()).toHaveLength(30_000);
    expect(records()[29_999]).toBe(record(29_999));
    expect(text()).toEqual([]);
    expect(collector.truncated).toBe(false);
  });

  it('cuando la salida normal llega al límite, ninguna línea marcada sale cortada como texto', () => {
    const { collector, text } = collect(20);
    collector.write('stdout', Buffer.from(`hola\n${record(1)}${'y'.repeat(30)}\n${record(2)}`));
    collector.end();
    expect(text().join('')).toBe(`hola\n${'y'.repeat(15)}`);
    expect(text().join('')).not.toContain('cauce:record');
  });

  it('una línea marcada demasiado larga, o cortada al terminar, se descarta entera', () => {
    const { collector, text, records } = collect(1_000_000);
    collector.write('stdout', Buffer.from(`${RECORD_MARKER}${'z'.repeat(MAX_CHUNK_CHARS * 2)}\ndespués\n${RECORD_MARKER}{"direction":"prod`));
    collector.end();
    expect(records()).toEqual([]);
    expect(text()).toEqual(['después\n']);
  });

  it('un registro tras un process.stdout.write sin salto de línea no se mezcla con el texto del alumno', () => {
    const { collector, text, records } = collect(1000);
    collector.write('stdout', Buffer.from(`progreso: ${record(7)}fin\n`));
    collector.end();
    expect(records()).toEqual([record(7)]);
    expect(text()).toEqual(['progreso: ', 'fin\n']);
  });
});
