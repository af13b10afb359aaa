import { posix } from 'node:path';

/**
 * The identity rule for WebHDFS requests that come from a student's sandbox (lab/hadoop/README.md,
 * "Student code and HDFS"): with simple authentication the NameNode and DataNodes believe the
 * `user.name` a client sends, so a relay in front of them must impose the run's student. This
 * module is that rule, pure; the sandbox's HTTP relay applies it through its `rewrite` hook
 * (lib/runs/shell/hadoop.ts hadoopRelayFilter, lib/sandbox/network.ts).
 */

/** Operations a student's `hdfs dfs` over webhdfs:// needs that only read (GET). Token and snapshot-admin ops are not among them. */
const READ_OPS = new Set([
  'OPEN',
  'GETFILESTATUS',
  'LISTSTATUS',
  'LISTSTATUS_BATCH',
  'GETCONTENTSUMMARY',
  'GETFILECHECKSUM',
  'GETHOMEDIRECTORY',
  'GETFILEBLOCKLOCATIONS',
  'GET_BLOCK_LOCATIONS',
  'GETACLSTATUS',
  'GETXATTRS',
  'LISTXATTRS',
  'CHECKACCESS',
  'GETTRASHROOT',
  'GETSERVERDEFAULTS',
  'GETQUOTAUSAGE',
  'GETSTORAGEPOLICY',
  'GETECPOLICY',
  'GETSNAPSHOTTABLEDIRECTORYLIST',
  'GETSTATUS',
]);

/** The ones that change HDFS (PUT, POST, DELETE). */
const WRITE_OPS = new Set(['CREATE', 'MKDIRS', 'RENAME', 'SETREPLICATION', 'SETPERMISSION', 'SETTIMES', 'CREATESYMLINK', 'SETOWNER', 'APPEND', 'CONCAT', 'TRUNCATE', 'DELETE']);

const ALLOWED_OPS = new Set([...READ_OPS, ...WRITE_OPS]);

/**
 * MapReduce's staging area and job history (lab/hadoop/webhdfs.ts): 1777 so every student's
 * job can make its own folder there, which also lets a student make another's first
 * (`/tmp/hadoop-yarn/staging/<other>`) and fail their submissions. Jobs are submitted by the
 * lab's trusted side, so a sandbox never needs to change anything at or below it.
 */
const JOBS_ONLY = '/tmp/hadoop-yarn';
const JOBS_ONLY_REASON = `${JOBS_ONLY} es de los trabajos de MapReduce que lanza el laboratorio: desde el sandbox solo se puede leer`;

/** Parameters that change whose identity or which cluster a request uses: never from a sandbox. */
const REFUSED_PARAMS = ['doas', 'delegation', 'token'];

/**
 * A parameter named twice (in any case): the relay and the server would not agree on which one
 * counts (URLSearchParams' last against Jersey's first: `?op=SETECPOLICY&op=LISTSTATUS`).
 */
function repeatedParam(url: URL): string | undefined {
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    const lower = key.toLowerCase();
    if (seen.has(lower)) return `el parámetro ${lower} aparece dos veces: no se permite desde el sandbox`;
    seen.add(lower);
  }
  return undefined;
}

/** An HDFS path as the NameNode resolves it: percent-decoded, dot segments and double slashes gone. Undefined if malformed. */
function hdfsPath(raw: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return posix.normalize(`/${decoded}`);
}

function underJobsOnly(raw: string): boolean | undefined {
  const normalized = hdfsPath(raw);
  if (normalized === undefined) return undefined;
  return normalized === JOBS_ONLY || normalized.startsWith(`${JOBS_ONLY}/`);
}

export type GateDecision = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/**
 * A request from `student`'s sandbox to the NameNode or a DataNode, as it should be forwarded:
 * `user.name` replaced by the student (whatever the client claimed), `doas` and delegation tokens
 * refused, only WebHDFS paths and the operations above, and on a DataNode the NameNode address
 * pinned to the lab's own (a client-chosen `namenoderpcaddress` would aim the DataNode at another
 * NameNode). HDFS's permissions then do the rest: /user/<other> is 700.
 */
export function gateWebHdfs(student: string, method: string, url: URL, options: { namenodeRpc?: string } = {}): GateDecision {
  if (!/^[a-z_][a-z0-9_]*$/.test(student)) return { ok: false, reason: `nombre de alumno no válido para HDFS: ${student}` };
  if (!url.pathname.startsWith('/webhdfs/v1/') && url.pathname !== '/webhdfs/v1') return { ok: false, reason: 'solo WebHDFS (/webhdfs/v1/…)' };
  const repeated = repeatedParam(url);
  if (repeated) return { ok: false, reason: repeated };
  const params = new URLSearchParams();
  let op = '';
  for (const [rawKey, value] of url.searchParams) {
    // WebHDFS parameter names are case-insensitive (its ParamFilter lowercases them).
    const key = rawKey.toLowerCase();
    if (REFUSED_PARAMS.includes(key)) return { ok: false, reason: `el parámetro ${key} no se permite desde el sandbox` };
    if (key === 'user.name' || key === 'namenoderpcaddress') continue;
    if (key === 'op') op = value.toUpperCase();
    params.append(key, value);
  }
  if (!ALLOWED_OPS.has(op)) return { ok: false, reason: `la operación ${op || '(ninguna)'} no se permite desde el sandbox` };
  if (!['GET', 'PUT', 'POST', 'DELETE'].includes(method.toUpperCase())) return { ok: false, reason: `método ${method} no permitido` };
  if (!READ_OPS.has(op) || method.toUpperCase() !== 'GET') {
    // The request's own path, RENAME's and CREATESYMLINK's destination, CONCAT's sources.
    const targets = [url.pathname.slice('/webhdfs/v1'.length), params.get('destination') ?? '', ...(params.get('sources') ?? '').split(',')].filter(Boolean);
    for (const target of targets) {
      const refused = underJobsOnly(target);
      if (refused === undefined) return { ok: false, reason: `ruta no válida: ${target}` };
      if (refused) return { ok: false, reason: JOBS_ONLY_REASON };
    }
  }
  params.set('user.name', student);
  if (options.namenodeRpc) params.set('namenoderpcaddress', options.namenodeRpc);
  const forwarded = new URL(url.pathname, url);
  forwarded.search = params.toString();
  return { ok: true, url: forwarded };
}

/**
 * A NameNode's redirect to a DataNode (CREATE, OPEN, APPEND answer 307 with the DataNode's URL)
 * rewritten to go through the sandbox's relay for that DataNode: `dataNodes` maps the DataNode's
 * real `host:port` to the address the sandbox reaches it at. An unknown DataNode is refused (the
 * sandbox has no route to it anyway).
 */
export function rewriteDataNodeRedirect(location: string, dataNodes: ReadonlyMap<string, string>): string | undefined {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return undefined;
  }
  const inside = dataNodes.get(url.host);
  if (!inside) return undefined;
  return `http://${inside}${url.pathname}${url.search}`;
}

/** What `hdfs fsck` may ask the NameNode's /fsck servlet from a sandbox: reports only (never -delete or -move). */
const FSCK_PARAMS = new Set(['path', 'files', 'blocks', 'locations', 'racks', 'openforwrite', 'replicadetails', 'storagepolicies', 'listcorruptfileblocks', 'showprogress']);

/**
 * `hdfs fsck` from a sandbox: the NameNode's /fsck servlet (what DFSck itself calls), GET only,
 * report parameters only, and the servlet's user (`ugi`, and `user.name` for its authentication
 * filter) imposed as the student. The NameNode then checks their permissions on the path.
 */
export function gateFsck(student: string, method: string, url: URL): GateDecision {
  if (!/^[a-z_][a-z0-9_]*$/.test(student)) return { ok: false, reason: `nombre de alumno no válido para HDFS: ${student}` };
  if (url.pathname !== '/fsck') return { ok: false, reason: 'solo /fsck' };
  if (method.toUpperCase() !== 'GET') return { ok: false, reason: `método ${method} no permitido` };
  const repeated = repeatedParam(url);
  if (repeated) return { ok: false, reason: repeated };
  const params = new URLSearchParams();
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey.toLowerCase();
    if (key === 'ugi' || key === 'user.name') continue;
    if (!FSCK_PARAMS.has(key)) return { ok: false, reason: `hdfs fsck -${key} no se permite desde el sandbox (solo informes: -files, -blocks, -locations…)` };
    params.append(key, value);
  }
  if (!params.get('path')) return { ok: false, reason: 'falta la ruta de hdfs fsck' };
  params.set('ugi', student);
  params.set('user.name', student);
  const forwarded = new URL(url.pathname, url);
  forwarded.search = params.toString();
  return { ok: true, url: forwarded };
}
