import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RUN_BYTES } from '@/lib/limits';
import { CODE_BODY_LIMIT, MAX_BODY_BYTES, SESSION_BODY_LIMIT, tooLargeMessage } from './limits.mjs';

describe('límites de los cuerpos', () => {
  it('una ejecución con el máximo de código (y su JSON) cabe en el límite de las peticiones con código', () => {
    // Quotes, newlines and tabs double in JSON: leave at least a quarter of the code for that.
    expect(CODE_BODY_LIMIT).toBeGreaterThanOrEqual(MAX_RUN_BYTES * 1.25);
    expect(MAX_BODY_BYTES).toBe(Math.max(CODE_BODY_LIMIT, SESSION_BODY_LIMIT));
  });

  it('las server actions usan el mismo límite (next.config.mjs)', async () => {
    const config = (await import(/* @vite-ignore */ path.resolve(import.meta.dirname, '../../next.config.mjs'))) as {
      default: { experimental?: { serverActions?: { bodySizeLimit?: unknown } } };
    };
    expect(config.default.experimental?.serverActions?.bodySizeLimit).toBe(CODE_BODY_LIMIT);
  });

  it('el mensaje dice el máximo en KB', () => {
    expect(tooLargeMessage(CODE_BODY_LIMIT)).toBe('La petición es demasiado grande (máximo 96 KB).');
  });
});
