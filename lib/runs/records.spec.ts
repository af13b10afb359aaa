import { describe, expect, it } from 'vitest';
import { RecordBudget } from './records';
import type { KafkaRecord } from './schema';

const produced = (partition: number, offset: number): KafkaRecord => ({
  direction: 'produced',
  topic: 's1-numeros',
  partition,
  offset: String(offset),
  key: null,
  value: String(offset),
});

describe('el presupuesto de registros de una ejecución', () => {
  it('los primeros se envían y del resto se cuentan los totales por partición', () => {
    const budget = new RecordBudget(10);
    const sent = Array.from({ length: 30 }, (_, i) => budget.take(produced(i % 3, Math.floor(i / 3))));
    expect(sent.filter(Boolean)).toHaveLength(10);
    expect(sent.slice(0, 10).every(Boolean)).toBe(true);
    expect(budget.summary()).toEqual({
      type: 'records-summary',
      kept: 10,
      total: 20,
      beyond: [
        { direction: 'produced', topic: 's1-numeros', partition: 1, count: 7, lastOffset: '9' },
        { direction: 'produced', topic: 's1-numeros', partition: 2, count: 7, lastOffset: '9' },
        { direction: 'produced', topic: 's1-numeros', partition: 0, count: 6, lastOffset: '9' },
      ],
    });
    expect(budget.summary()).toBeUndefined(); // nothing new since
  });

  it('sin pasar del presupuesto no hay resumen', () => {
    const budget = new RecordBudget(10);
    budget.take(produced(0, 0));
    expect(budget.summary()).toBeUndefined();
  });
});
