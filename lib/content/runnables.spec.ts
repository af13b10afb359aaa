/** What the server knows of each example comes from the lesson, by the same ids the pages use. */
import { compile } from '@mdx-js/mdx';
import { describe, expect, it } from 'vitest';
import { remarkRunnable } from './remark-runnable';
import { labServicesFor } from '@/lib/runs/schema';
import { findRunnable, lessonKinds, runnableIndex } from './runnables';

describe('el índice de ejemplos del servidor', () => {
  it('los consumidores de la lección declaran que corren hasta Detener; el productor, hasta terminar', async () => {
    expect(await findRunnable('kafka/consumidor/consumidor-de-mensajes')).toEqual({ id: 'kafka/consumidor/consumidor-de-mensajes', kind: 'kafka-ts', runs: 'until-stopped' });
    expect(await findRunnable('kafka/consumidor/dos-consumidores-en-un-grupo')).toMatchObject({ runs: 'until-stopped' });
    expect(await findRunnable('kafka/productor/productor-de-mensajes')).toMatchObject({ kind: 'kafka-ts', runs: 'to-end' });
    expect(await findRunnable('kafka/productor/inventado')).toBeUndefined();
    // Every example of the content is there (13 lessons, several examples each).
    expect((await runnableIndex()).size).toBeGreaterThanOrEqual(8);
  });

  it('un valor de runs desconocido rompe la compilación de la lección, con el nombre del ejemplo', async () => {
    await expect(
      compile('<Runnable kind="kafka-ts" title="Raro" runs="siempre">\n\n```ts title="a.ts"\nx\n```\n\n</Runnable>\n', {
        remarkPlugins: [[remarkRunnable, { lessonKey: 'demo/x' }]],
      }),
    ).rejects.toThrow(/<Runnable title="Raro">: runs debe ser uno de to-end, until-stopped/);
  });

  it('la lección declara la sonda de un ejemplo shell; una sonda desconocida o en otro tipo rompe la compilación', async () => {
    expect(await findRunnable('hadoop/preparacion/comprobar-requisitos')).toEqual({ id: 'hadoop/preparacion/comprobar-requisitos', kind: 'shell', runs: 'to-end', probe: 'hadoop-prerequisites' });
    const lesson = (attrs: string) => compile(`<Runnable ${attrs} title="Sonda">\n\n\`\`\`bash title="a.sh"\nx\n\`\`\`\n\n</Runnable>\n`, { remarkPlugins: [[remarkRunnable, { lessonKey: 'demo/x' }]] });
    await expect(lesson('kind="shell" probe="todo"')).rejects.toThrow(/<Runnable title="Sonda">: probe debe ser uno de hadoop-prerequisites/);
    await expect(lesson('kind="kafka-ts" probe="hadoop-prerequisites"')).rejects.toThrow(/probe solo existe para kind="shell"/);
  });

  it('un ejemplo shell declara que usa Hadoop (lab="hadoop"): solo entonces se le relaya; otro valor u otro tipo rompe la compilación', async () => {
    expect(await findRunnable('hadoop/primeras-pruebas/subir-un-archivo-a-hdfs')).toEqual({ id: 'hadoop/primeras-pruebas/subir-un-archivo-a-hdfs', kind: 'shell', runs: 'to-end', lab: 'hadoop' });
    expect(await findRunnable('hadoop/primeras-pruebas/contar-palabras-con-mapreduce')).toMatchObject({ lab: 'hadoop' });
    expect(await findRunnable('hadoop/preparacion/comprobar-requisitos')).not.toHaveProperty('lab');
    const lesson = (attrs: string) => compile(`<Runnable ${attrs} title="Lab">\n\n\`\`\`bash title="a.sh"\nx\n\`\`\`\n\n</Runnable>\n`, { remarkPlugins: [[remarkRunnable, { lessonKey: 'demo/x' }]] });
    await expect(lesson('kind="shell" lab="spark"')).rejects.toThrow(/<Runnable title="Lab">: lab debe ser uno de hadoop/);
    await expect(lesson('kind="kafka-ts" lab="hadoop"')).rejects.toThrow(/lab solo existe para kind="shell"/);
  });

  it('cada curso muestra solo los servicios que usan sus ejemplos ejecutables (Hadoop: sus scripts y el resumen del clúster)', async () => {
    const kinds = await lessonKinds();
    const servicesOf = (course: string) => labServicesFor([...kinds].filter(([lesson]) => lesson.startsWith(`${course}/`)).flatMap(([, k]) => k));
    expect(kinds.get('kafka/spark-streaming')).toEqual(['pyspark']);
    expect(servicesOf('kafka')).toEqual(['kafka']);
    expect(servicesOf('airflow')).toEqual(['airflow']);
    expect(servicesOf('hadoop')).toEqual(['hadoop']); // its shell examples reach HDFS and YARN
    expect(labServicesFor([], ['hadoop'])).toEqual(['hadoop']);
  });
});
