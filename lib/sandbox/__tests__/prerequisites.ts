import { existsSync } from 'node:fs';

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
