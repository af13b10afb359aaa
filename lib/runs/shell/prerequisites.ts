import type { PrerequisiteCheck, RunEvent } from '@/lib/runs/schema';

/**
 * The Hadoop preparation lesson's table: the article's node prerequisites, measured by the
 * server in the run's own sandbox after the student's script (lib/sandbox/probe.ts), never
 * read from what the script printed. The probe prints `key=value` lines; this module turns
 * them into met / not met / cannot tell, with the real values and the article's advice.
 */

/** The article's numbers for open files (point 6): at least 10,000, 65,536 recommended. */
export const OPEN_FILES_MINIMUM = 10_000;
export const OPEN_FILES_RECOMMENDED = 65_536;

/**
 * Read-only checks, one `key=value` line each (values on one line, capped). Only what a node's
 * admin would run; ssh is tried against this machine with BatchMode, so it never asks.
 */
export const HADOOP_PREREQUISITES_PROBE = String.raw`
one() { tr '\n\r\t' '   ' | cut -c1-240; }
has() { command -v "$1" >/dev/null 2>&1 && echo yes || echo no; }
echo "nofile_soft=$(ulimit -Sn)"
echo "nofile_hard=$(ulimit -Hn)"
echo "hostname=$(hostname 2>&1 | one)"
if fqdn=$(hostname -f 2>&1); then echo "fqdn_ok=yes"; else echo "fqdn_ok=no"; fi
echo "fqdn=$(printf '%s' "$fqdn" | one)"
name=$(hostname -f 2>/dev/null || hostname)
if resolved=$(getent hosts "$name" 2>&1); then echo "resolves=yes"; else echo "resolves=no"; fi
echo "resolved=$(printf '%s' "$resolved" | one)"
echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "timedatectl=$(has timedatectl)"
if [ "$(has timedatectl)" = yes ]; then echo "ntp_synchronized=$(timedatectl show -p NTPSynchronized --value 2>&1 | one)"; fi
echo "chronyc=$(has chronyc)"
if [ "$(has chronyc)" = yes ]; then echo "chrony=$(chronyc -n tracking 2>&1 | grep -i 'leap status' | one)"; fi
echo "getenforce=$(has getenforce)"
if [ "$(has getenforce)" = yes ]; then echo "selinux=$(getenforce 2>&1 | one)"; fi
echo "firewall_cmd=$(has firewall-cmd)"
if [ "$(has firewall-cmd)" = yes ]; then echo "firewalld=$(firewall-cmd --state 2>&1 | one)"; fi
echo "ssh_keygen=$(has ssh-keygen)"
echo "ssh=$(has ssh)"
keys=""; for k in id_rsa id_ecdsa id_ed25519; do [ -f "$HOME/.ssh/$k" ] && keys="$keys $k"; done
echo "ssh_keys=$(printf '%s' "$keys" | one)"
if [ "$(has ssh)" = yes ]; then
  out=$(timeout 4 ssh -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null localhost true 2>&1); code=$?
  echo "ssh_batch_code=$code"
  echo "ssh_batch=$(printf '%s' "$out" | one)"
fi
exit 0
`;

/** The probe's report as the server reads it: missing keys are simply absent. */
export function parseProbeReport(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  return values;
}

// Spanish style: 10.000 and 65.536, but 1024 (no separator in four digits).
const number = new Intl.NumberFormat('es-ES');

function openFilesValue(raw: string | undefined): number | undefined {
  if (raw === 'unlimited') return Infinity;
  const n = Number(raw);
  return raw && Number.isFinite(n) ? n : undefined;
}

function shown(n: number | undefined, raw: string | undefined): string {
  if (n === Infinity) return 'ilimitado';
  return n === undefined ? `«${raw ?? '¿?'}»` : number.format(n);
}

function openFiles(v: Map<string, string>): PrerequisiteCheck {
  const soft = openFilesValue(v.get('nofile_soft'));
  const hard = openFilesValue(v.get('nofile_hard'));
  const met = soft !== undefined && hard !== undefined && soft >= OPEN_FILES_MINIMUM && hard >= OPEN_FILES_MINIMUM;
  const recommended = met && soft >= OPEN_FILES_RECOMMENDED && hard >= OPEN_FILES_RECOMMENDED;
  const against = `mínimo ${number.format(OPEN_FILES_MINIMUM)}, recomendado ${number.format(OPEN_FILES_RECOMMENDED)}`;
  return {
    id: 'open-files',
    label: '6. Archivos abiertos (ulimit -Sn / -Hn)',
    state: soft === undefined || hard === undefined ? 'unknown' : met ? 'met' : 'unmet',
    value: `suave ${shown(soft, v.get('nofile_soft'))}, fuerte ${shown(hard, v.get('nofile_hard'))} (${against})${met && !recommended ? '; cumple el mínimo, no el recomendado' : ''}`,
    advice: `Para la sesión, ulimit -n ${OPEN_FILES_MINIMUM}; de forma permanente, «* soft nofile ${OPEN_FILES_RECOMMENDED}» y «* hard nofile ${OPEN_FILES_RECOMMENDED}» en /etc/security/limits.conf (requiere root y volver a entrar).`,
  };
}

function fqdn(v: Map<string, string>): PrerequisiteCheck {
  const name = v.get('fqdn') ?? '';
  const ok = v.get('fqdn_ok') === 'yes';
  const qualified = ok && name.includes('.');
  const resolves = v.get('resolves') === 'yes';
  const value = ok
    ? `hostname -f: ${name}${qualified ? '' : ' (sin dominio)'}; ${resolves ? `se resuelve como ${v.get('resolved')}` : 'no se resuelve'}`
    : `hostname: ${v.get('hostname') ?? '¿?'}; hostname -f falla (${name || 'sin mensaje'}): el nombre no tiene FQDN ni se resuelve`;
  return {
    id: 'fqdn',
    label: '4 y 5. FQDN y su resolución',
    state: qualified && resolves ? 'met' : 'unmet',
    value,
    advice:
      'Dale a cada máquina su FQDN (hostnamectl set-hostname nodo1.cluster.local) y haz que se resuelva, siempre con la IP del segmento del cluster, por DNS o en el /etc/hosts de todas las máquinas.',
  };
}

function timeSync(v: Map<string, string>): PrerequisiteCheck {
  const synchronized = v.get('ntp_synchronized');
  const chrony = v.get('chrony');
  const parts = [`hora del sandbox: ${v.get('date') ?? '¿?'}`];
  let state: PrerequisiteCheck['state'] = 'unknown';
  if (v.get('timedatectl') !== 'yes') parts.push('timedatectl no está instalado');
  else if (synchronized === 'yes' || synchronized === 'no') {
    state = synchronized === 'yes' ? 'met' : 'unmet';
    parts.push(`timedatectl: sincronizada ${synchronized === 'yes' ? 'sí' : 'no'}`);
  } else parts.push(`timedatectl no responde aquí (${synchronized || 'sin respuesta'}): el sandbox no tiene systemd`);
  if (v.get('chronyc') !== 'yes') parts.push('chronyc no está instalado');
  else if (chrony && /normal/i.test(chrony)) {
    state = 'met';
    parts.push(`chronyc: ${chrony}`);
  } else parts.push(`chronyc: ${chrony || 'sin respuesta'}`);
  return {
    id: 'time',
    label: '3. Hora sincronizada',
    state,
    value: parts.join('; '),
    advice:
      'Instala el servicio de hora y actívalo al arrancar (systemctl enable --now chronyd; en CentOS 6/7, ntpd y chkconfig ntpd on) y comprueba que timedatectl diga «System clock synchronized: yes».',
  };
}

function selinux(v: Map<string, string>): PrerequisiteCheck {
  const mode = v.get('selinux');
  const installed = v.get('getenforce') === 'yes';
  return {
    id: 'selinux',
    label: '7. SELinux desactivado',
    state: !installed || /^disabled$/i.test(mode ?? '') ? 'met' : /^(enforcing|permissive)$/i.test(mode ?? '') ? 'unmet' : 'unknown',
    value: installed ? `getenforce: ${mode || 'sin respuesta'}` : 'SELinux no está instalado (no existe getenforce)',
    advice: 'setenforce 0 para la sesión y SELINUX=disabled en /etc/selinux/config para los siguientes arranques.',
  };
}

function firewall(v: Map<string, string>): PrerequisiteCheck {
  const installed = v.get('firewall_cmd') === 'yes';
  const state = v.get('firewalld') ?? '';
  return {
    id: 'firewall',
    label: '7. Firewall durante la instalación',
    state: !installed || /not running/i.test(state) ? 'met' : /^running$/i.test(state) ? 'unmet' : 'unknown',
    value: `${installed ? `firewall-cmd --state: ${state || 'sin respuesta'}` : 'firewalld no está instalado'}; el sandbox tiene su propia red, vacía`,
    advice:
      'Durante la instalación, systemctl stop firewalld (y disable); al terminar, vuelve a activarlo abriendo los puertos del cluster (firewall-cmd --permanent --add-port=…).',
  };
}

function ssh(v: Map<string, string>): PrerequisiteCheck {
  const tools = ['ssh-keygen', 'ssh'].filter((tool) => v.get(tool.replace('-', '_')) === 'yes');
  const keys = (v.get('ssh_keys') ?? '').trim();
  const batch = v.get('ssh_batch_code');
  const parts = [
    tools.length === 2 ? 'ssh-keygen y ssh instalados' : `falta ${['ssh-keygen', 'ssh'].filter((t) => !tools.includes(t)).join(' y ')}`,
    keys ? `clave en ~/.ssh: ${keys}` : 'sin clave en ~/.ssh',
  ];
  if (batch !== undefined) parts.push(`ssh -o BatchMode=yes localhost: ${batch === '0' ? 'entra sin contraseña' : `no entra (${v.get('ssh_batch') || `código ${batch}`})`}`);
  return {
    id: 'ssh',
    label: '2. SSH sin contraseña',
    state: batch === '0' ? 'met' : 'unmet',
    value: parts.join('; '),
    advice:
      'En el host de Ambari, como root: ssh-keygen -t rsa (sin frase de paso), ssh-copy-id root@<nodo> para cada nodo, y comprueba que ssh -o BatchMode=yes root@<nodo> true entra sin pedir contraseña.',
  };
}

/** The table's event, from the probe's report; null report: the probe could not measure (said so in Spanish). */
export function hadoopPrerequisitesEvent(report: string | null): RunEvent {
  if (report === null) return { type: 'notice', message: PREREQUISITES_UNMEASURED };
  const v = parseProbeReport(report);
  return {
    type: 'prerequisites',
    title: 'Requisitos del artículo en el sandbox del laboratorio',
    note: 'Valores que midió el servidor en el mismo entorno aislado en que corrió tu script, justo después de él: son los del sandbox del laboratorio (una sola máquina, sin red ni servicios del sistema), no los de un nodo real. La última columna dice qué cambiar en un nodo real.',
    checks: [openFiles(v), fqdn(v), timeSync(v), selinux(v), firewall(v), ssh(v)],
  };
}

export const PREREQUISITES_UNMEASURED = 'No se pudieron medir los requisitos en el sandbox después de tu script (tardó demasiado en liberar sus procesos); vuelve a ejecutarlo.';
