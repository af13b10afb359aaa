/**
 * The identity rule for student code reaching HDFS (webhdfs-gate.ts), proved against a real
 * NameNode and DataNode: a small relay applying the rule stands in for the sandbox's, and both
 * plain WebHDFS calls and the real `hdfs dfs` (FsShell over webhdfs://) go through it claiming
 * to be someone else.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Supervisor } from '../supervisor';
import { HadoopCluster, runHadoopJava } from './cluster';
import { freePortBlock } from './test-helpers';
import { gateWebHdfs, rewriteDataNodeRedirect } from './webhdfs-gate';

const MINUTE = 60_000;
const STUDENT = 'ana';

/** A relay for one student in front of `target` (host:port), as the sandbox's HTTP relay would apply the rule. */
function gatedRelay(target: string, dataNodes: Map<string, string>, namenodeRpc: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const decision = gateWebHdfs(STUDENT, request.method ?? 'GET', new URL(request.url ?? '/', 'http://relay'), { namenodeRpc });
    if (!decision.ok) {
      request.resume();
      response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ RemoteException: { exception: 'SandboxRefused', message: decision.reason } }));
      return;
    }
    const [host, port] = target.split(':');
    const outbound = http.request(
      { host, port: Number(port), method: request.method, path: decision.url.pathname + decision.url.search, headers: { ...request.headers, host: target } },
      (upstream) => {
        const headers = { ...upstream.headers };
        if (headers.location) headers.location = rewriteDataNodeRedirect(headers.location, dataNodes) ?? 'http://refused.invalid/';
        response.writeHead(upstream.statusCode ?? 502, headers);
        upstream.pipe(response);
      },
    );
    outbound.on('error', () => response.writeHead(502).end());
    request.pipe(outbound);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('WebHDFS con la identidad del alumno impuesta (propuesta para el sandbox)', () => {
  let dir: string;
  let cluster: HadoopCluster;
  let supervisor: Supervisor;
  let nnRelay: http.Server;
  let dnRelay: http.Server;
  const relayUrl = (server: http.Server) => `127.0.0.1:${(server.address() as AddressInfo).port}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cauce-hadoop-gate-'));
    cluster = new HadoopCluster({ port: await freePortBlock(), stateDir: dir });
    await cluster.prepare();
    supervisor = new Supervisor(cluster, { log: () => undefined, healthTimeoutMs: 3 * MINUTE });
    await supervisor.start();
    await cluster.webHdfs.ensureHome(STUDENT);
    await cluster.webHdfs.ensureHome('bea');
    const rpc = `127.0.0.1:${cluster.ports.namenodeRpc}`;
    const dataNodes = new Map<string, string>();
    dnRelay = await gatedRelay(`127.0.0.1:${cluster.ports.datanodeHttp}`, dataNodes, rpc);
    dataNodes.set(`127.0.0.1:${cluster.ports.datanodeHttp}`, relayUrl(dnRelay));
    nnRelay = await gatedRelay(`127.0.0.1:${cluster.ports.namenodeHttp}`, dataNodes, rpc);
  }, 6 * MINUTE);

  afterAll(async () => {
    nnRelay?.close();
    dnRelay?.close();
    await supervisor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, MINUTE);

  it('la regla: user.name se sustituye, doas y tokens se rechazan, solo operaciones de WebHDFS', () => {
    const gate = (url: string, method = 'GET') => gateWebHdfs('ana', method, new URL(url, 'http://relay'), { namenodeRpc: '127.0.0.1:9871' });
    expect(gate('/webhdfs/v1/user/bea?op=LISTSTATUS&user.name=root')).toMatchObject({ ok: true });
    const rewritten = gate('/webhdfs/v1/x?OP=open&User.Name=root&namenoderpcaddress=evil:8020');
    expect(rewritten.ok && rewritten.url.search).toBe('?op=open&user.name=ana&namenoderpcaddress=127.0.0.1%3A9871');
    expect(gate('/webhdfs/v1/x?op=LISTSTATUS&doas=root')).toEqual({ ok: false, reason: 'el parámetro doas no se permite desde el sandbox' });
    expect(gate('/webhdfs/v1/x?op=GETDELEGATIONTOKEN')).toMatchObject({ ok: false });
    expect(gate('/jmx')).toMatchObject({ ok: false });
    expect(gate('/webhdfs/v1/x?op=LISTSTATUS&Delegation=abc')).toMatchObject({ ok: false });
  });

  it('por el relé, quien dice ser root o bea sigue siendo ana: su hogar sí, el de bea no, doas no', async () => {
    const call = async (path: string, method = 'GET') => {
      const response = await fetch(`http://${relayUrl(nnRelay)}/webhdfs/v1${path}`, { method, redirect: 'manual' });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as { RemoteException?: { exception: string; message: string } } };
    };
    expect((await call('/user/ana?op=LISTSTATUS&user.name=bea')).status).toBe(200);
    const other = await call('/user/bea?op=LISTSTATUS&user.name=root');
    expect(other.status).toBe(403);
    expect(other.body.RemoteException?.exception).toBe('AccessControlException');
    expect(other.body.RemoteException?.message).toContain('Permission denied: user=ana');
    const doas = await call('/user/bea?op=LISTSTATUS&user.name=root&doas=bea');
    expect(doas.body.RemoteException?.exception).toBe('SandboxRefused');
  });

  it('hdfs dfs real sobre webhdfs:// por el relé: put y ls en su hogar, el hogar de otro rechazado, aunque HADOOP_USER_NAME diga root', { timeout: 2 * MINUTE }, async () => {
    const local = join(dir, 'desde-el-sandbox.txt');
    writeFileSync(local, 'escrito por el relé\n');
    const dfs = (...args: string[]) =>
      runHadoopJava(cluster.paths, 'org.apache.hadoop.fs.FsShell', [`-Dfs.defaultFS=webhdfs://${relayUrl(nnRelay)}`, ...args], { user: 'root', quiet: true });
    const put = await dfs('-put', local, '/user/ana/desde-el-sandbox.txt');
    expect(put.code, put.output).toBe(0);
    expect(await cluster.webHdfs.status('/user/ana/desde-el-sandbox.txt')).toMatchObject({ owner: 'ana' });
    const cat = await dfs('-cat', '/user/ana/desde-el-sandbox.txt');
    expect(cat.output).toContain('escrito por el relé');
    const refused = await dfs('-ls', '/user/bea');
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('Permission denied: user=ana');
  });
});
