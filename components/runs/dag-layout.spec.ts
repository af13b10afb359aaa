import { describe, expect, it } from 'vitest';
import { layoutDag } from './dag-layout';

describe('layoutDag', () => {
  it('puts test_print_values in three layers: first task, five echoes, final task', () => {
    const echoes = [0, 1, 2, 3, 4].map((i) => `echo_${i}`);
    const edges: [string, string][] = [...echoes.map((e) => ['PRIMERA_TAREA', e] as [string, string]), ...echoes.map((e) => [e, 'TAREA_FINAL'] as [string, string])];
    const { nodes } = layoutDag(['PRIMERA_TAREA', ...echoes, 'TAREA_FINAL'], edges);
    expect(nodes.get('PRIMERA_TAREA')?.layer).toBe(0);
    for (const e of echoes) expect(nodes.get(e)?.layer).toBe(1);
    expect(nodes.get('TAREA_FINAL')?.layer).toBe(2);
    expect(new Set(echoes.map((e) => nodes.get(e)?.row)).size).toBe(5);
  });

  it('every edge points to the right even with a long and a short branch', () => {
    const edges: [string, string][] = [
      ['a', 'b'],
      ['b', 'c'],
      ['a', 'c'],
    ];
    const { nodes } = layoutDag(['a', 'b', 'c'], edges);
    for (const [from, to] of edges) expect(nodes.get(to)!.x).toBeGreaterThan(nodes.get(from)!.x);
  });
});
