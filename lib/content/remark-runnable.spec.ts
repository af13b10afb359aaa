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

describe('remarkRunnable con <Reto>', () => {
  const reto = (attributes: string, inner: string) => `<Reto ${attributes}>\n\nEnunciado.\n\n${inner}\n\n</Reto>\n`;
  const starter = '```ts title="a.ts"\nconsole.log(1)\n```';
  const solution = '<Solucion>\n\n```ts title="a.ts"\nconsole.log(2)\n```\n\n</Solucion>';
  const hint = '<Pista>Una pista.</Pista>';
  const inLesson = (mdx: string, lessonKey: string) => compile(mdx, { remarkPlugins: [[remarkRunnable, { lessonKey }]] });

  it('a Reto keeps its statement and hints; its starter becomes a prop, its solution leaves the page', async () => {
    const found: unknown[] = [];
    const out = String(
      await compile(reto('id="primer-tema" kind="kafka-ts" title="Tu primer tema"', `${starter}\n\n${hint}\n\n${solution}`), {
        remarkPlugins: [[remarkRunnable, { lessonKey: 'kafka/laboratorio', onExercise: (meta: unknown) => found.push(meta) }]],
      }),
    );
    expect(out).toContain('"kafka/laboratorio/primer-tema"');
    expect(out).toContain('Enunciado.');
    expect(out).toContain('Una pista.');
    expect(out).toContain('console.log(1)');
    expect(out).not.toContain('console.log(2)');
    expect(found).toEqual([
      expect.objectContaining({ id: 'kafka/laboratorio/primer-tema', hints: 1, solution: [{ name: 'a.ts', language: 'typescript', code: 'console.log(2)\n' }] }),
    ]);
  });

  it('a Reto without a check, without a solution, or with other files than its starter is refused', async () => {
    await expect(inLesson(reto('id="inventado" kind="kafka-ts" title="X"', `${starter}\n\n${hint}\n\n${solution}`), 'kafka/laboratorio')).rejects.toThrow(
      /<Reto id="inventado">: no existe la comprobación «kafka\/laboratorio\/inventado»; añádela en lib\/retos\/exercises\//,
    );
    await expect(inLesson(reto('id="primer-tema" kind="kafka-ts" title="X"', `${starter}\n\n${hint}`), 'kafka/laboratorio')).rejects.toThrow(/necesita exactamente una <Solucion>/);
    await expect(inLesson(reto('id="primer-tema" kind="kafka-ts" title="X"', `${starter}\n\n${hint}\n\n${solution.replace('a.ts', 'b.ts')}`), 'kafka/laboratorio')).rejects.toThrow(
      /los mismos archivos que el código de partida \(a\.ts\), tiene b\.ts/,
    );
    await expect(inLesson(reto('id="primer-tema" kind="airflow-dag" title="X"', `${starter}\n\n${hint}\n\n${solution}`), 'kafka/laboratorio')).rejects.toThrow(/es de kind kafka-ts, no airflow-dag/);
    await expect(inLesson(reto('id="primer-tema" kind="kafka-ts" title="X"', `${starter}\n\n${solution}`), 'kafka/laboratorio')).rejects.toThrow(/al menos una <Pista>/);
  });

  it('a bad Reto fails the lesson build naming its file', async () => {
    const { compileLesson } = await import('./compile');
    const lesson = { file: 'content/kafka/laboratorio.mdx', course: 'kafka', slug: 'laboratorio', body: reto('id="inventado" kind="kafka-ts" title="X"', `${starter}\n\n${hint}\n\n${solution}`) };
    await expect(compileLesson(lesson as Parameters<typeof compileLesson>[0])).rejects.toThrow(/Contenido inválido en content\/kafka\/laboratorio\.mdx:\n✖ MDX: [^\n]*\n<Reto id="inventado">: no existe la comprobación/);
  });
});
