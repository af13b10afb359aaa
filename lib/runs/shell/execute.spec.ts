/**
 * A shell example through the run path (Run events, as the page receives them) in the real
 * sandbox: the lesson's own prerequisites script, its table from the probe, bash's errors at
 * the student's line, the exit in Spanish. Root, like the server (the sandbox's prerequisites).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELL_TMPFS_MB } from '@/lib/limits';
import { SandboxHost } from '@/lib/sandbox/host';
import { assertSandboxPrerequisites } from '@/lib/sandbox/__tests__/prerequisites';
import { lessonCode } from '@/e2e/lesson-code';
import { Run } from '../run';
import type { RunEvent } from '../schema';
import { executeShellSnippet } from './execute';
import { TEST_UIDS } from '@/lib/sandbox/uids';

const host = new SandboxHost({ firstUid: TEST_UIDS.shell + 10, concurrency: 1, root: '/run/cauce-sandbox-test', tmpfsMb: SHELL_TMPFS_MB });
const SNIPPET = 'hadoop/preparacion/comprobar-requisitos';

async function execute(content: string, snippet = SNIPPET): Promise<RunEvent[]> {
  const run = new Run({ lesson: 'hadoop/preparacion', snippet, kind: 'shell', files: [{ name: 'checks.sh', content }] });
  await executeShellSnippet(run, host);
  return [...run.history()];
}

const of = <T extends RunEvent['type']>(events: RunEvent[], type: T) => events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

describe('un ejemplo shell por el camino de las ejecuciones', { timeout: 60_000 }, () => {
  beforeAll(assertSandboxPrerequisites);

  it('el alumno ejecuta la comprobación de requisitos de la lección y recibe la tabla medida en el sandbox', async () => {
    const events = await execute(lessonCode('preparacion', 'checks.sh'));
    const stdout = of(events, 'stdout').map((e) => e.text);
    expect(stdout).toContain('ulimit -Sn: 1024   ulimit -Hn: 1024');
    const [table] = of(events, 'prerequisites');
    expect(table?.note).toMatch(/sandbox del laboratorio/);
    const byId = Object.fromEntries(table!.checks.map((c) => [c.id, c]));
    expect(byId['open-files']).toMatchObject({ state: 'unmet' });
    expect(byId['open-files']!.value).toMatch(/suave 1024, fuerte 1024 \(mínimo 10\.000, recomendado 65\.536\)/);
    expect(byId['open-files']!.advice).toMatch(/limits\.conf/);
    expect(byId.fqdn).toMatchObject({ state: 'unmet' });
    expect(byId.time).toMatchObject({ state: 'unknown' });
    expect(byId.selinux).toMatchObject({ state: 'met' });
    expect(byId.ssh!.value).toMatch(/BatchMode=yes localhost: no entra/);
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished', exitCode: 0 });
    // The table comes after the script's output and before the exit.
    expect(events.findIndex((e) => e.type === 'prerequisites')).toBeGreaterThan(events.findLastIndex((e) => e.type === 'stdout'));
  });

  it('una orden que no existe se marca en su línea con una explicación en español, y el código de salida se explica', async () => {
    const events = await execute('echo uno\nfoo --version\necho dos\nexit 3\n');
    expect(of(events, 'stderr').map((e) => e.text)).toContain('checks.sh: line 2: foo: command not found');
    expect(of(events, 'diagnostic')).toEqual([
      { type: 'diagnostic', file: 'checks.sh', line: 2, column: 1, message: expect.stringMatching(/^Error de bash: «foo» no es una orden que exista aquí/) },
    ]);
    const exit = events.at(-1);
    expect(exit).toMatchObject({ type: 'exit', reason: 'failed', exitCode: 3 });
    expect(exit?.type === 'exit' && exit.message).toMatch(/código de salida 3.*línea 2 \(marcada en el editor\)/);
  });

  it('un ejemplo sin sonda no recibe tabla; el script que acaba bien pero con errores lo dice', async () => {
    const events = await execute('noexiste\necho fin\n', 'hadoop/preparacion/otro');
    expect(of(events, 'prerequisites')).toEqual([]);
    expect(of(events, 'notice').map((e) => e.message)).toContain('El script llegó al final, pero bash informó de un error por el camino (marcados en el editor).');
    expect(events.at(-1)).toMatchObject({ type: 'exit', reason: 'finished' });
  });

  afterAll(() => host.relays.close());
});
