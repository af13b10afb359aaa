import { expect, test } from './fixtures';
import { openRunnable, outputLog, replaceCode, runStatus } from './editor';

const LESSON = '/cursos/hadoop/preparacion';
const TITLE = 'Comprobar requisitos';

test.describe.configure({ mode: 'serial' });

async function runAndWait(runnable: import('@playwright/test').Locator, label: RegExp, timeout = 45_000) {
  await runnable.getByRole('button', { name: 'Ejecutar' }).click();
  await expect(runStatus(runnable)).toContainText(label, { timeout });
}

test('el alumno ejecuta la comprobación de requisitos y ve la tabla con los valores medidos en el sandbox', async ({ page, externalRequests }) => {
  await page.goto(LESSON);
  const runnable = await openRunnable(page, TITLE);
  await runAndWait(runnable, /Terminado/);
  await expect(outputLog(runnable)).toContainText('ulimit -Sn: 1024   ulimit -Hn: 1024');
  const table = runnable.getByRole('region', { name: 'Requisitos del artículo en el sandbox del laboratorio' });
  await expect(table).toContainText('son los del sandbox del laboratorio');
  const row = (name: RegExp) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
  await expect(row(/6\. Archivos abiertos/)).toContainText('No se cumple');
  await expect(row(/6\. Archivos abiertos/)).toContainText('suave 1024, fuerte 1024 (mínimo 10.000, recomendado 65.536)');
  await expect(row(/6\. Archivos abiertos/)).toContainText('/etc/security/limits.conf');
  await expect(row(/4 y 5\. FQDN/)).toContainText(/hostname: sandbox; hostname -f falla/);
  await expect(row(/3\. Hora sincronizada/)).toContainText('No se puede comprobar aquí');
  await expect(row(/7\. SELinux/)).toContainText('Se cumple');
  await expect(row(/2\. SSH sin contraseña/)).toContainText(/BatchMode=yes localhost: no entra \(ssh: connect to host localhost port 22: Connection refused/);
  expect(externalRequests).toEqual([]);
});

test('una orden que no existe se marca en su línea y el código de salida se explica en español', async ({ page }) => {
  await page.goto(LESSON);
  const runnable = await openRunnable(page, TITLE);
  await replaceCode(page, runnable, 'echo uno\nfoo --version\nexit 3\n');
  await runAndWait(runnable, /Terminado con error/);
  await expect(outputLog(runnable)).toContainText('checks.sh: line 2: foo: command not found');
  await expect(runnable.getByText(/código de salida 3.*línea 2 \(marcada en el editor\): «foo» no es una orden/)).toBeVisible();
  await expect(runnable.locator('.squiggly-error').first()).toBeVisible();
  await runnable.getByRole('button', { name: 'Restablecer' }).click();
});

test('una fork bomb, un bucle infinito y una escritura de 1 GB acaban con su motivo; el sitio sigue y la siguiente ejecución va bien', async ({ page, request }) => {
  test.setTimeout(150_000);
  await page.goto(LESSON);
  const runnable = await openRunnable(page, TITLE);
  const cases: [string, RegExp, RegExp][] = [
    // The script waits: a bomb whose script already ended dies with the sandbox, sometimes before the limit.
    [':(){ :|:& };:\nsleep 10\n', /Límite de procesos/, /más de 64 procesos a la vez/],
    ['while true; do :; done\n', /Límite de CPU/, /más de 10 s de CPU/],
    ['dd if=/dev/zero of=/tmp/grande bs=1M count=1024\necho sigue\n', /Límite de escritura/, /más de 16 MB en un archivo/],
  ];
  for (const [code, label, message] of cases) {
    await replaceCode(page, runnable, code);
    await runAndWait(runnable, label, 60_000);
    await expect(runnable.getByText(message)).toBeVisible();
    expect((await request.get('/api/health')).ok()).toBe(true);
  }
  // ps alone, then sorted: in a pipeline bash's forks for sort and tr may still be «bash» when ps looks.
  await replaceCode(page, runnable, 'ls -A /tmp; ps -e -o comm= > /tmp/procesos; sort /tmp/procesos | tr "\\n" " "; echo\n');
  await runAndWait(runnable, /Terminado/);
  await expect(outputLog(runnable)).toHaveText('bash bwrap ps'); // an empty /tmp, and nothing left of the runs above
  await runnable.getByRole('button', { name: 'Restablecer' }).click();
});
