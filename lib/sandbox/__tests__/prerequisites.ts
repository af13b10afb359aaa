import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Sandbox specs run as root with bubblewrap, as the server does. They never skip: a machine
 * without them fails here with the reason, so a green run always means the sandbox was tested.
 */
export function assertSandboxPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error('Las pruebas del sandbox necesitan root (el servidor baja cada ejecución a un uid propio).');
  for (const binary of ['/usr/bin/bwrap', '/usr/bin/setpriv', '/usr/bin/prlimit', '/bin/bash']) {
    if (!existsSync(binary)) throw new Error(`Falta ${binary}: instala bubblewrap/util-linux (npm test lo instala).`);
  }
}

/** Live processes (zombies aside) of the uids `firstUid` … `firstUid + count - 1`: what a run left behind. */
export async function uidProcesses(firstUid: number, count: number): Promise<number> {
  let found = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (uid >= firstUid && uid < firstUid + count && !/^State:\s+Z/m.test(status)) found += 1;
  }
  return found;
}
