import { describe, expect, it } from 'vitest';
import { MAX_SLOTS_PER_RANGE, SANDBOX_UIDS, TEST_UIDS } from './uids';

/** The most uids each range can use: its owner's largest slot count. */
const WIDTH: Record<string, number> = {
  kafkaTs: MAX_SLOTS_PER_RANGE,
  dagWorkers: MAX_SLOTS_PER_RANGE + 4, // the pool keeps 4 spare slots for refills
  airflowTasks: SANDBOX_UIDS.airflowParse - SANDBOX_UIDS.airflowTasks,
  airflowParse: 10,
  airflow: 1,
  spark: 1,
  shell: MAX_SLOTS_PER_RANGE,
  kafkaPy: MAX_SLOTS_PER_RANGE,
  pyspark: MAX_SLOTS_PER_RANGE,
  'test:airflow': 200,
};

describe('uids de los sandboxes', () => {
  it('ningún rango se solapa con otro, del servidor o de las pruebas, ni con el máximo de slots', () => {
    const ranges = [...Object.entries(SANDBOX_UIDS), ...Object.entries(TEST_UIDS).map(([name, first]) => [`test:${name}`, first] as const)]
      .map(([name, first]) => ({ name, first, end: first + (WIDTH[name] ?? 100) }))
      .sort((a, b) => a.first - b.first);
    const overlapping = ranges.slice(1).filter((range, i) => range.first < ranges[i]!.end);
    expect(overlapping.map((range) => range.name)).toEqual([]);
  });
});
