import { expect, test } from './fixtures';
import { createCourse, joinCourse, startCourseServer } from './course-server';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';

const LESSON = '/cursos/hadoop/primeras-pruebas';

test.describe.configure({ mode: 'serial' });

async function runAndWait(runnable: import('@playwright/test').Locator, label: RegExp, timeout: number) {
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText(label, { timeout });
}

test('el alumno sube un archivo a HDFS con hdfs dfs -put desde la lección y lo ve con -ls, a su nombre', async ({ page, externalRequests }) => {
  // The first Hadoop run may start Hadoop on demand (about 30 s here; more on a cold machine).
  test.setTimeout(300_000);
  await page.goto(LESSON);
  const runnable = await openRunnable(page, 'Subir un archivo a HDFS');
  await runAndWait(runnable, /Terminado/, 280_000);
  await expect(outputLog(runnable)).toContainText(/-rw-r--r-- +1 (\S+) +\1 +44 .* pruebas\/quijote\.txt/);
  await expect(outputLog(runnable)).toContainText('hadoop guarda bloques');
  expect(externalRequests).toEqual([]);
});

test('el wordcount de los ejemplos corre en YARN: la salida trae las cuentas y al lado se ve el avance de map y reduce', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto(LESSON);
  const runnable = await openRunnable(page, 'Contar palabras con MapReduce');
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  const picture = runnable.getByRole('region', { name: 'Progreso del trabajo MapReduce' });
  await expect(picture).toContainText('en marcha', { timeout: 120_000 });
  await expect(runStatus(runnable)).toContainText(/Terminado/, { timeout: 200_000 });
  await expect(picture).toContainText('terminado con éxito');
  await expect(picture.getByRole('progressbar', { name: 'map wordcount' })).toHaveAttribute('value', '100');
  await expect(picture.getByRole('progressbar', { name: 'reduce wordcount' })).toHaveAttribute('value', '100');
  await expect(picture).toContainText(/job_\d+_\d+/);
  const log = outputLog(runnable);
  await expect(log).toContainText('map 100% reduce 100%');
  await expect(log).toContainText(/hadoop\s+2/);
  await expect(log).toContainText(/hola\s+2/);
  await expect(log).toContainText(/bloques\s+1/);
});

test('fuera de su carpeta HDFS se lo deniega, con la explicación en español; un jar propio no llega a YARN', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(LESSON);
  const runnable = await openRunnable(page, 'Subir un archivo a HDFS');
  await replaceCode(page, runnable, 'hdfs dfs -mkdir /user/otro-alumno\nyarn jar /tmp/mio.jar wordcount a b\n');
  await runAndWait(runnable, /Terminado con error/, 100_000);
  await expect(outputLog(runnable)).toContainText(/Permission denied: user=\S+, access=WRITE, inode="\/user"/);
  await expect(runnable.getByText(/HDFS ha denegado el acceso: eres «\S+» y «\/user» no es tuyo/)).toBeVisible();
  await expect(outputLog(runnable)).toContainText('El laboratorio solo ejecuta en YARN los programas de ejemplo de Hadoop');
  await runnable.getByRole('button', { name: 'Restablecer' }).click();
});

test('en un curso, cada alumno tiene su carpeta: Bruno no puede leer el archivo que Ana subió, y se lo dice en español', async ({ browser }) => {
  test.setTimeout(240_000);
  const server = await startCourseServer(Number(process.env.E2E_HADOOP_COURSE_PORT ?? 3216));
  try {
    const code = await createCourse(browser, server, 'Hadoop en clase');
    const ana = await joinCourse(browser, server, code, 'Ana HDFS');
    await ana.goto(LESSON);
    const anaRun = await openRunnable(ana, 'Subir un archivo a HDFS');
    await runAndWait(anaRun, /Terminado/, 200_000);
    // Her listing names her HDFS user, the owner of the file in her home.
    const listing = (await outputLog(anaRun).textContent()) ?? '';
    const owner = /-rw-r--r-- +1 (\S+) +\S+ +\d+ .* (\/user\/\S+\/pruebas\/quijote\.txt|pruebas\/quijote\.txt)/.exec(listing)?.[1];
    expect(owner, listing).toBeTruthy();

    const bruno = await joinCourse(browser, server, code, 'Bruno HDFS');
    await bruno.goto(LESSON);
    const brunoRun = await openRunnable(bruno, 'Subir un archivo a HDFS');
    await replaceCode(bruno, brunoRun, `hdfs dfs -cat /user/${owner}/pruebas/quijote.txt\n`);
    await runAndWait(brunoRun, /Terminado con error/, 100_000);
    await expect(outputLog(brunoRun)).toContainText(new RegExp(`Permission denied: user=\\S+, access=EXECUTE, inode="/user/${owner}"`));
    await expect(brunoRun.getByText(new RegExp(`HDFS ha denegado el acceso: eres «\\S+» y «/user/${owner}» no es tuyo`))).toBeVisible();
    await expect(outputLog(brunoRun)).not.toContainText('hadoop guarda bloques');
  } finally {
    await server.stop();
  }
});
