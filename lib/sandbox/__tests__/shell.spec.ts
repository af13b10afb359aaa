/**
 * The shell kind against the real sandbox (bwrap, setpriv, prlimit, bash), as root like the
 * server. Hostile scripts end with their limit's reason, the next run is clean, and the probe
 * after a script measures the sandbox, not what the script printed.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHELL_TMPFS_MB } from '@/lib/limits';
import { HADOOP_PREREQUISITES_PROBE, parseProbeReport } from '@/lib/runs/shell/prerequisites';
import { assertSandboxPrerequisites, uidProcesses } from './prerequisites';
import { SandboxHost } from '../host';
import type { SandboxOutput } from '../output';
import { runShell, type ShellRequest } from '../shell';
import { TEST_UIDS } from '../uids';

const FIRST_UID = TEST_UIDS.shell;
const CONCURRENCY = 2;
const host = new SandboxHost({ firstUid: FIRST_UID, concurrency: CONCURRENCY, root: '/run/cauce-sandbox-test', tmpfsMb: SHELL_TMPFS_MB });
const probe = { argv: ['/bin/bash', '--norc', '--noprofile', '-c', HADOOP_PREREQUISITES_PROBE], wallMs: 5_000, outputBytes: 16_384 };

async function sh(script: string, options: Partial<ShellRequest> = {}) {
  const out: SandboxOutput[] = [];
  const result = await runShell({ files: [{ name: 'checks.sh', content: script }], entry: 'checks.sh', limits: { wallMs: 15_000 }, ...options }, (o) => out.push(o), host);
  const text = (stream: string) =>
    out
      .filter((o) => o.stream === stream)
      .map((o) => o.text)
      .join('');
  return { result, stdout: text('stdout'), stderr: text('stderr') };
}

describe('el tipo shell en el sandbox real', { timeout: 60_000 }, () => {
  beforeAll(assertSandboxPrerequisites);

  it('el alumno ejecuta bash con las herramientas de siempre, sin privilegios y con su /tmp como casa', async () => {
    const { result, stdout } = await sh(
      [
        'id -un; hostname; ulimit -Sn; ulimit -Hn',
        'for t in getent date ss ssh ssh-keygen ps timedatectl; do command -v $t >/dev/null && echo "tiene $t"; done',
        'ssh-keygen -q -t ed25519 -N "" -f ~/.ssh/id_ed25519 && ls ~/.ssh',
        'pwd; echo $HOME',
        // awk comes through Debian's alternatives (/usr/bin/awk -> /etc/alternatives/awk).
        "printf 'a 1\\nb 2\\n' | awk '{ s += $2 } END { print \"suma\", s }'",
      ].join('\n'),
    );
    expect(result).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(stdout).toContain('alumno\nsandbox\n1024\n1024\n');
    for (const tool of ['getent', 'date', 'ss', 'ssh', 'ssh-keygen', 'ps']) expect(stdout).toContain(`tiene ${tool}\n`);
    expect(stdout).toContain('id_ed25519\nid_ed25519.pub\n/tmp\n/tmp\nsuma 3\n');
  });

  it('el sistema es de solo lectura y no hay nada del repositorio, del laboratorio ni del servidor', async () => {
    const { stdout } = await sh(
      [
        'touch /usr/bin/x 2>/dev/null || echo "usr: solo lectura"',
        'touch /sandbox/x 2>/dev/null || echo "sandbox: solo lectura"',
        `for p in /work /root /home /var /run/cauce-sandbox /etc/shadow ${process.cwd()}; do [ -e "$p" ] && echo "visible: $p"; done`,
        'ls /etc',
        'env | cut -d= -f1 | sort | tr "\\n" " "',
      ].join('\n'),
    );
    expect(stdout).toContain('usr: solo lectura\nsandbox: solo lectura\n');
    expect(stdout).not.toContain('visible:');
    expect(stdout).toContain('group\nhosts\nlocaltime\nnsswitch.conf\npasswd\n');
    expect(stdout).toContain('HOME LANG LOGNAME PATH PWD SHELL SHLVL TERM USER _ ');
  });

  it('la red está denegada: ni un puerto del servidor en 127.0.0.1 ni nombres de fuera', async () => {
    const server = net.createServer((socket) => socket.end('hola\n')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    try {
      const { stdout } = await sh(`(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo "conectó" || echo "rechazado"\ngetent hosts example.com || echo "sin DNS"`);
      expect(stdout).toBe('rechazado\nsin DNS\n');
    } finally {
      server.close();
    }
  });

  it('una fork bomb acaba en process-limit enseguida, con la razón en español', async () => {
    // The script stays alive (sleep): a bomb whose script has already ended dies with the sandbox,
    // sometimes before it reaches the limit, and that run honestly ends «finished».
    const { result } = await sh(':(){ :|:& };:; sleep 10');
    expect(result.reason).toBe('process-limit');
    expect(result.durationMs).toBeLessThan(5_000);
    expect(result.message).toMatch(/más de 64 procesos a la vez.*fork bomb/);
  });

  it('un bucle infinito acaba en cpu-limit', async () => {
    const { result } = await sh('while true; do :; done', { limits: { wallMs: 30_000, cpuSeconds: 2 } });
    expect(result).toMatchObject({ reason: 'cpu-limit', signal: 'SIGXCPU' });
    expect(result.message).toMatch(/más de 2 s de CPU.*bucle/);
  });

  it('escribir 1 GB acaba en file-limit en los 16 MB, por dd o por una redirección; llenar /tmp también', async () => {
    for (const script of [
      'dd if=/dev/zero of=/tmp/grande bs=1M count=1024; echo sigue',
      'head -c 1G /dev/zero > /tmp/grande; echo sigue',
      'for i in $(seq 1 10); do head -c 10M /dev/zero > /tmp/f$i; done',
    ]) {
      const { result } = await sh(script);
      expect(result.reason, script).toBe('file-limit');
      expect(result.message).toMatch(/más de 16 MB en un archivo \(o llenar su \/tmp\)/);
    }
  });

  it('la memoria de todo el árbol tiene un presupuesto: memory-limit', async () => {
    const { result } = await sh('x=$(head -c 600M /dev/zero | tr "\\0" a); echo ${#x}');
    expect(result.reason).toBe('memory-limit');
  });

  it('lo que deja una ejecución (procesos en segundo plano, archivos) no lo ve la siguiente', async () => {
    const left = await sh('sleep 300 & disown\n(while :; do sleep 1; done) &\necho secreto > /tmp/rastro\necho listo');
    expect(left.result).toMatchObject({ reason: 'finished', exitCode: 0 });
    expect(await uidProcesses(FIRST_UID, CONCURRENCY)).toBe(0);
    const next = await sh('ls -A /tmp; ps -e -o comm= | sort | tr "\\n" " "');
    expect(next.stdout).toBe('bash bwrap ps sort tr ');
  });

  it('Detener corta el script: stopped', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const { result } = await sh('sleep 20', { signal: controller.signal });
    expect(result.reason).toBe('stopped');
  });

  it('una salida sin fin acaba en output-limit', async () => {
    expect((await sh('yes')).result.reason).toBe('output-limit');
  });

  it('la sonda mide el sandbox después del script; lo que imprime el alumno no cuenta y su clave sí', async () => {
    const { result, stdout } = await sh('echo "nofile_soft=99999"\nssh-keygen -q -t ed25519 -N "" -f ~/.ssh/id_ed25519\n(sleep 1; echo "nofile_hard=99999") &', { probe });
    expect(stdout).toBe('nofile_soft=99999\n');
    const report = parseProbeReport(result.probe ?? '');
    expect(report.get('nofile_soft')).toBe('1024');
    expect(report.get('nofile_hard')).toBe('1024');
    expect(report.get('hostname')).toBe('sandbox');
    expect(report.get('fqdn_ok')).toBe('no');
    expect(report.get('ssh_keys')).toBe('id_ed25519');
    expect(report.get('ssh_batch_code')).not.toBe('0');
    expect(report.get('ssh_batch')).toMatch(/Connection refused/);
  });

  it('tras una fork bomb, la sonda aún mide y la siguiente ejecución va bien', async () => {
    const bomb = await sh(':(){ :|:& };:; sleep 10', { probe });
    expect(bomb.result.reason).toBe('process-limit');
    expect(parseProbeReport(bomb.result.probe ?? '').get('nofile_soft')).toBe('1024');
    expect((await sh('echo bien')).stdout).toBe('bien\n');
  });

  afterAll(() => host.relays.close());
});
