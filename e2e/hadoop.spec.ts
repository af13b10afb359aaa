import { seriousViolations } from './axe';
import { expect, test } from './fixtures';

const COMPONENTS = ['NameNode', 'DataNode', 'ResourceManager', 'NodeManager'] as const;

test.describe('el clúster Hadoop del laboratorio', () => {
  test('al abrir la lección de Ambari, el resumen del clúster arranca Hadoop y muestra cada componente en marcha, HDFS y YARN', async ({ page }) => {
    // The first visit may start Hadoop on demand (about 30 s on this machine; more on a cold one).
    test.setTimeout(300_000);
    await page.goto('/cursos/hadoop/instalacion-ambari');
    const summary = page.getByRole('region', { name: 'Resumen del clúster' });
    await expect(summary).toBeVisible();
    const row = (component: string) => summary.getByRole('listitem').filter({ hasText: component });
    for (const component of COMPONENTS) await expect(row(component)).toContainText('En marcha', { timeout: 240_000 });
    await expect(row('DataNode')).toContainText('1 de 1 en marcha');
    await expect(row('NodeManager')).toContainText('1 de 1 en marcha');
    await expect(summary.getByText('HDFS', { exact: false }).first()).toBeVisible();
    await expect(summary.getByText('todo en marcha')).toHaveCount(2);
    await expect(summary.getByRole('img', { name: /^Capacidad de HDFS: HDFS/ })).toBeVisible();
    await expect(summary.getByText('DataNodes vivos')).toBeVisible();
    await expect(summary.getByText('1/1').first()).toBeVisible();
    await expect(summary.getByText('Aplicaciones en marcha')).toBeVisible();
    await expect(summary).toContainText('Hadoop 3.4.2');
    await expect(summary).toContainText('actualizado');
    // The course's badge agrees.
    await expect(page.getByRole('status').filter({ hasText: /^Hadoop:/ })).toContainText('disponible');
    await expect(page.getByRole('status').filter({ hasText: /^Hadoop:/ })).toContainText('versión 3.4.2');
    // Readable in both themes, bars labelled for those who do not read colours.
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousViolations(page)).toEqual([]);
  });
});
