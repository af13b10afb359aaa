/** The search a student uses, built from the site's lessons with the search box's own options. */
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { searchDocuments, type SearchDocument } from './search-index';
import { SEARCH_OPTIONS, searchLessons } from './search-options';

const documents = searchDocuments();
const index = new MiniSearch<SearchDocument>(SEARCH_OPTIONS);
index.addAll(documents);
const search = (query: string) => searchLessons(index, query);

describe('la búsqueda de lecciones', () => {
  it('un reto se encuentra por su enunciado, pero sus pistas no salen en los resultados', () => {
    expect(search('pedidos cliente particiones').some((hit) => hit.href.startsWith('/cursos/kafka/productor'))).toBe(true);
    // The claves-fieles Reto's second hint: «El particionador por defecto calcula un hash de la clave».
    expect(documents.some((d) => d.text.includes('calcula un hash de la clave'))).toBe(false);
  });

  it('«kafak» (letras cambiadas) encuentra las lecciones de Kafka', () => {
    const hits = search('kafak');
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatchObject({ course: 'Apache Kafka – Una introducción rápida' });
  });

  it('«ejecucion» sin tilde encuentra «ejecución»', () => {
    const hits = search('ejecucion');
    expect(hits.length).toBeGreaterThan(0);
    const first = documents.find((d) => d.href === hits[0]!.href)!;
    expect(first.text + first.section + first.title).toMatch(/ejecución/i);
  });

  it('dos letras cambiadas en una palabra larga también se perdonan: «prodcutor» encuentra el productor', () => {
    expect(search('prodcutor').some((hit) => hit.href.startsWith('/cursos/kafka/productor'))).toBe(true);
  });

  it('los resultados llevan a la sección donde están las palabras, con la lección y la sección', () => {
    const hit = search('grupos de consumidores').find((h) => h.section);
    expect(hit).toBeDefined();
    expect(hit!.href).toMatch(/^\/cursos\/[a-z-]+\/[a-z-]+#[a-z0-9ñáéíóúü-]+$/);
    expect(hit).toMatchObject({ title: expect.any(String), section: expect.any(String), excerpt: expect.any(String) });
  });

  it('cada sección del índice apunta al id que la página da a su título', () => {
    const sections = documents.filter((d) => d.section);
    expect(sections.length).toBeGreaterThan(20);
    expect(documents.find((d) => d.href === '/cursos/kafka/laboratorio#comprobar-el-broker')).toMatchObject({ section: 'Comprobar el broker' });
  });

  it('una palabra que no está en ninguna lección no devuelve nada', () => {
    expect(search('zxqwv')).toEqual([]);
  });

  it('con varias palabras pide todas; si ninguna sección las tiene todas, basta con alguna', () => {
    const both = search('scheduler celery');
    expect(both.length).toBeGreaterThan(0);
    expect(search('celery zxqwv').length).toBeGreaterThan(0);
  });
});
