/**
 * The identity rule for WebHDFS requests that come from a student's sandbox (lab/hadoop/README.md,
 * "Student code and HDFS"): with simple authentication the NameNode and DataNodes believe the
 * `user.name` a client sends, so a relay in front of them must impose the run's student. This
 * module is that rule, pure and separate from the relay that will apply it (lib/sandbox/network.ts
 * HttpRelayFilter only allows or refuses today; the README proposes a `rewrite` hook).
 */

/** Operations a student's `hdfs dfs` over webhdfs:// needs. Token and snapshot-admin ops are not among them. */
const ALLOWED_OPS = new Set([
  // GET
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
  // PUT
  'CREATE',
  'MKDIRS',
  'RENAME',
  'SETREPLICATION',
  'SETPERMISSION',
  'SETTIMES',
  'CREATESYMLINK',
  'SETOWNER',
  // POST
  'APPEND',
  'CONCAT',
  'TRUNCATE',
  // DELETE
  'DELETE',
]);

/** Parameters that change whose identity or which cluster a request uses: never from a sandbox. */
const REFUSED_PARAMS = ['doas', 'delegation', 'token'];

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
