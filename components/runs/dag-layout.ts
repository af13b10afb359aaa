/** Left-to-right layered layout of a DAG, like Airflow's Graph view (pure, unit-tested). */
export interface LayoutNode {
  id: string;
  layer: number;
  row: number;
  x: number;
  y: number;
}

export const NODE_WIDTH = 150;
export const NODE_HEIGHT = 34;
const LAYER_GAP = 56;
const ROW_GAP = 14;

export interface DagLayout {
  nodes: Map<string, LayoutNode>;
  width: number;
  height: number;
}

/**
 * Layer = longest path from a root, so every edge points right. Rows inside a layer follow the
 * average row of the upstream tasks (one barycentre pass), which keeps fan-outs readable.
 * Cycles cannot reach here (Airflow refuses them); a defensive cap stops a bad graph anyway.
 */
export function layoutDag(taskIds: string[], edges: [string, string][]): DagLayout {
  const upstream = new Map(taskIds.map((id) => [id, [] as string[]]));
  for (const [from, to] of edges) upstream.get(to)?.push(from);
  const layer = new Map<string, number>();
  const depth = (id: string, guard = 0): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (guard > taskIds.length) return 0;
    const ups = upstream.get(id) ?? [];
    const value = ups.length === 0 ? 0 : Math.max(...ups.map((u) => depth(u, guard + 1))) + 1;
    layer.set(id, value);
    return value;
  };
  taskIds.forEach((id) => depth(id));

  const layers: string[][] = [];
  for (const id of taskIds) (layers[layer.get(id)!] ??= []).push(id);
  const row = new Map<string, number>();
  layers.forEach((ids, index) => {
    if (index > 0) {
      const centre = (id: string) => {
        const ups = upstream.get(id) ?? [];
        return ups.length ? ups.reduce((sum, u) => sum + (row.get(u) ?? 0), 0) / ups.length : 0;
      };
      ids.sort((a, b) => centre(a) - centre(b));
    }
    ids.forEach((id, i) => row.set(id, i));
  });

  const tallest = Math.max(1, ...layers.map((ids) => ids.length));
  const height = tallest * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
  const nodes = new Map<string, LayoutNode>();
  layers.forEach((ids, l) => {
    const offset = (height - (ids.length * (NODE_HEIGHT + ROW_GAP) - ROW_GAP)) / 2;
    ids.forEach((id, r) => {
      nodes.set(id, { id, layer: l, row: r, x: l * (NODE_WIDTH + LAYER_GAP), y: offset + r * (NODE_HEIGHT + ROW_GAP) });
    });
  });
  const width = Math.max(1, layers.length) * (NODE_WIDTH + LAYER_GAP) - LAYER_GAP;
  return { nodes, width, height };
}
