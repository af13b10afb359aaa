import { compile } from '@mdx-js/mdx';
import { describe, expect, it } from 'vitest';
import { remarkRunnable } from './remark-runnable';

async function filesProp(mdx: string): Promise<string> {
  const out = String(await compile(mdx, { remarkPlugins: [[remarkRunnable, { lessonKey: 'demo/intro' }]] }));
  return out;
}

describe('remarkRunnable', () => {
  it('moves the fenced blocks of a Runnable into a files prop with a stable id', async () => {
    const out = await filesProp('<Runnable kind="airflow-dag" title="DAG y operador">\n\n```py title="op.py"\nx = 1\n```\n\n```python title="dag.py"\ny = 2\n```\n\n</Runnable>\n');
    expect(out).toContain('"demo/intro/dag-y-operador"');
    const json = /files: "(.*?)",?\n/.exec(out)?.[1];
    const files = JSON.parse(JSON.parse(`"${json}"`));
    expect(files).toEqual([
      { name: 'op.py', language: 'python', code: 'x = 1\n' },
      { name: 'dag.py', language: 'python', code: 'y = 2\n' },
    ]);
  });

  it('rejects an unknown kind, naming the example', async () => {
    await expect(filesProp('<Runnable kind="cobol" title="Raro">\n\n```ts title="a.ts"\n1\n```\n\n</Runnable>\n')).rejects.toThrow(/Raro.*kind/);
  });

  it('rejects a block without file name', async () => {
    await expect(filesProp('<Runnable kind="kafka-ts" title="Sin nombre">\n\n```ts\n1\n```\n\n</Runnable>\n')).rejects.toThrow(/title="archivo"/);
  });
});
