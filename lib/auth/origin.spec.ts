import { describe, expect, it } from 'vitest';
import { refuseCrossOrigin } from './origin';

const request = (headers: Record<string, string>, method = 'POST') =>
  new Request('http://localhost:3000/api/runs', { method, headers: { host: 'localhost:3000', ...headers }, body: method === 'GET' ? null : '{}' });

describe('refuseCrossOrigin (route handlers)', () => {
  it('un POST sin Origin recibe 403 con el motivo en español', async () => {
    const refused = refuseCrossOrigin(request({}));
    expect(refused?.status).toBe(403);
    expect(await refused?.json()).toEqual({ ok: false, message: 'Petición rechazada: no indica desde qué página se envía (falta la cabecera Origin).' });
  });

  it('Origin de otro sitio, de otro puerto, «null» o que no es una URL: 403', () => {
    for (const origin of ['https://malvado.example', 'http://localhost:3001', 'null', 'localhost:3000']) {
      expect(refuseCrossOrigin(request({ origin }))?.status, origin).toBe(403);
    }
  });

  it('el Origin del propio sitio pasa (también detrás de un proxy, con X-Forwarded-Host); un GET no lo necesita', () => {
    expect(refuseCrossOrigin(request({ origin: 'http://localhost:3000' }))).toBeNull();
    expect(refuseCrossOrigin(request({ origin: 'https://aula.example.org', 'x-forwarded-host': 'aula.example.org' }))).toBeNull();
    expect(refuseCrossOrigin(request({}, 'GET'))).toBeNull();
  });
});
