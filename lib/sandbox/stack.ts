import type { RawSourceMap } from './transpile';

/** Where the run's files appear inside the sandbox; never a server path. */
export const SANDBOX_DIR = '/sandbox';

export interface StackMapSource {
  /** Emitted name inside /sandbox, e.g. `producer.mjs`. */
  name: string;
  sourceMap: RawSourceMap;
}

type Segment = [genColumn: number, srcLine: number, srcColumn: number, sourceIndex: number];

const FRAME = /(?:file:\/\/)?\/sandbox\/([A-Za-z0-9_.-]+\.[mc]js):(\d+)(?::(\d+))?/g;
const SANDBOX_PREFIX = /(?:file:\/\/)?\/sandbox\//g;

/**
 * Rewrites stack text for the student: `.mjs` / `.cjs` positions not already mapped by node's
 * `--enable-source-maps` are mapped to the TS file, and the sandbox prefix is dropped so a
 * frame reads `producer.ts:12:5`.
 */
export function mapStackToSnippet(text: string, sources: readonly StackMapSource[]): string {
  if (!text.includes('/sandbox/')) return text;
  const mapped = text.replace(FRAME, (whole, name: string, line: string, column: string | undefined) => {
    const source = sources.find((s) => s.name === name);
    const pos = source && originalPosition(source.sourceMap, Number(line), Number(column ?? 1));
    if (!pos) return whole;
    return column === undefined ? `${pos.source}:${pos.line}` : `${pos.source}:${pos.line}:${pos.column}`;
  });
  return mapped.replace(SANDBOX_PREFIX, '');
}

/**
 * Lines of Node's own machinery that only confuse a student: internal module frames and the
 * native backtrace / GC trace printed on a heap overflow (that end gets its own message).
 */
export function isRuntimeNoise(line: string): boolean {
  return (
    // A frame ending in "{" opens the error's properties; dropping it would unbalance them.
    (/^\s+at (?:async )?.*\(?node:internal\//.test(line) && !line.endsWith('{')) ||
    /^\s+at (?:async )?file:\/\/\/opt\/cauce\/warm\.mjs:/.test(line) || // a warm sandbox's boot importing the entry
    /^\s*\d+: 0x[0-9a-f]+ /.test(line) ||
    /^\[\d+:0x[0-9a-f]+\]/.test(line) ||
    /^(?:----- Native stack trace -----|<--- (?:Last few GCs|JS stacktrace) --->)\s*$/.test(line)
  );
}

/** Maps a 1-based generated line/column to the 1-based original position, if the map knows it. */
export function originalPosition(map: RawSourceMap, line: number, column: number): { source: string; line: number; column: number } | undefined {
  const segments = decodeMappings(map.mappings)[line - 1];
  if (!segments?.length) return undefined;
  // Last segment starting at or before the column; a column before the first uses the first.
  let best = segments[0];
  for (const seg of segments) if (seg[0] <= column - 1) best = seg;
  const source = best && map.sources[best[3]];
  return best && source !== undefined ? { source, line: best[1] + 1, column: best[2] + 1 } : undefined;
}

const cache = new Map<string, Segment[][]>();

function decodeMappings(mappings: string): Segment[][] {
  const hit = cache.get(mappings);
  if (hit) return hit;
  const lines: Segment[][] = [];
  let sourceIndex = 0;
  let srcLine = 0;
  let srcColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let genColumn = 0;
    for (const segText of lineText.split(',')) {
      if (!segText) continue;
      const v = decodeVlq(segText);
      genColumn += v[0] ?? 0;
      if (v.length >= 4) {
        sourceIndex += v[1] ?? 0;
        srcLine += v[2] ?? 0;
        srcColumn += v[3] ?? 0;
        segments.push([genColumn, srcLine, srcColumn, sourceIndex]);
      }
    }
    lines.push(segments);
  }
  if (cache.size > 64) cache.clear(); // one entry per live run is plenty
  cache.set(mappings, lines);
  return lines;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
