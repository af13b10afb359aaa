import { describe, expect, it } from 'vitest';
import { hadoopPrerequisitesEvent, PREREQUISITES_UNMEASURED } from './prerequisites';

function table(report: string) {
  const event = hadoopPrerequisitesEvent(report);
  if (event.type !== 'prerequisites') throw new Error('sin tabla');
  return Object.fromEntries(event.checks.map((c) => [c.id, c]));
}

describe('la tabla de requisitos de Hadoop, a partir del informe de la sonda', () => {
  it('un nodo bien preparado cumple todo, con sus valores', () => {
    const checks = table(
      [
        'nofile_soft=65536',
        'nofile_hard=65536',
        'hostname=nodo1',
        'fqdn_ok=yes',
        'fqdn=nodo1.cluster.local',
        'resolves=yes',
        'resolved=10.0.0.11      nodo1.cluster.local',
        'timedatectl=yes',
        'ntp_synchronized=yes',
        'chronyc=yes',
        'chrony=Leap status     : Normal',
        'getenforce=yes',
        'selinux=Disabled',
        'firewall_cmd=yes',
        'firewalld=not running',
        'ssh_keygen=yes',
        'ssh=yes',
        'ssh_keys= id_rsa',
        'ssh_batch_code=0',
        'ssh_batch=',
      ].join('\n'),
    );
    expect(Object.values(checks).map((c) => c.state)).toEqual(['met', 'met', 'met', 'met', 'met', 'met']);
    expect(checks['open-files']!.value).toBe('suave 65.536, fuerte 65.536 (mínimo 10.000, recomendado 65.536)');
    expect(checks.fqdn!.value).toMatch(/nodo1\.cluster\.local; se resuelve como 10\.0\.0\.11/);
    expect(checks.ssh!.value).toMatch(/clave en ~\/\.ssh: id_rsa; ssh -o BatchMode=yes localhost: entra sin contraseña/);
  });

  it('el mínimo del artículo sin el recomendado se cumple y lo dice; SELinux en Enforcing y firewalld en marcha no', () => {
    const checks = table('nofile_soft=10000\nnofile_hard=unlimited\ngetenforce=yes\nselinux=Enforcing\nfirewall_cmd=yes\nfirewalld=running\n');
    expect(checks['open-files']).toMatchObject({ state: 'met', value: 'suave 10.000, fuerte ilimitado (mínimo 10.000, recomendado 65.536); cumple el mínimo, no el recomendado' });
    expect(checks.selinux).toMatchObject({ state: 'unmet', value: 'getenforce: Enforcing' });
    expect(checks.firewall!.state).toBe('unmet');
    expect(checks.selinux!.advice).toMatch(/SELINUX=disabled/);
  });

  it('lo que no se puede medir queda «sin comprobar», no como cumplido', () => {
    const checks = table('timedatectl=no\nchronyc=no\n');
    expect(checks.time!.state).toBe('unknown');
    expect(checks['open-files']!.state).toBe('unknown');
  });

  it('si la sonda no pudo medir, un aviso en español en lugar de la tabla', () => {
    expect(hadoopPrerequisitesEvent(null)).toEqual({ type: 'notice', message: PREREQUISITES_UNMEASURED });
  });
});
