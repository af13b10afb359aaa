import { setTimeout as sleep } from 'node:timers/promises';
import { HadoopUnavailableError } from '@/lab/errors';
import { hadoopPaths } from '@/lab/hadoop/paths';
import { prepareSandboxClient } from '@/lab/hadoop/sandbox-client';
import { gateFsck, gateWebHdfs, rewriteDataNodeRedirect } from '@/lab/hadoop/webhdfs-gate';
import { hadoopPortMap } from '@/lab/ports';
import { embeddedHadoop } from '@/lib/lab/hadoop-endpoints';
import { ensureStudentHdfsHome, hdfsUser } from '@/lib/lab/hadoop-homes';
import { jobGateway, RUN_HEADER, type JobEvent } from '@/lib/lab/hadoop-jobs';
import { hadoopStatus, requestHadoop } from '@/lib/lab/hadoop-status';
import { HADOOP_START_WAIT_MS, SHELL_HADOOP_ADDRESS_SPACE_MB } from '@/lib/limits';
import { RUN_MESSAGES } from '../messages';
import type { HttpRelayFilter } from '@/lib/sandbox/network';
import type { ShellTools } from '@/lib/sandbox/kinds/shell';

/** Where the lab's Hadoop is, as a sandbox's relay reaches it (`host:port`). */
export interface HadoopGateEndpoints {
  readonly namenodeHttp: string;
  readonly datanodeHttp: string;
  readonly namenodeRpc: string;
  /** The job gateway (lib/lab/hadoop-jobs.ts). */
  readonly jobs: string;
}

/**
 * The relay rule of a Hadoop shell run: WebHDFS and /fsck on the NameNode with the student
 * imposed (lab/hadoop/webhdfs-gate.ts), WebHDFS on the DataNode with the NameNode pinned, the
 * NameNode's redirects only to that DataNode, and the job gateway with the run's token added
 * (whatever header the client sent is replaced).
 */
export function hadoopRelayFilter(user: string, endpoints: HadoopGateEndpoints, token: string): HttpRelayFilter {
  const dataNodes = new Map([[endpoints.datanodeHttp, endpoints.datanodeHttp]]); // the relay listens on the same address inside
  return {
    key: `hadoop:${user}:${token}`,
    rewrite(method, url, endpoint) {
      let decision;
      if (endpoint === endpoints.namenodeHttp) decision = url.pathname === '/fsck' ? gateFsck(user, method, url) : gateWebHdfs(user, method, url);
      else if (endpoint === endpoints.datanodeHttp) decision = gateWebHdfs(user, method, url, { namenodeRpc: endpoints.namenodeRpc });
      else if (endpoint === endpoints.jobs) return method === 'GET' ? { url, headers: { [RUN_HEADER]: token } } : { refused: `método ${method} no permitido` };
      else return { refused: 'destino no permitido' };
      return decision.ok ? { url: decision.url } : { refused: decision.reason };
    },
    location: (location) => rewriteDataNodeRedirect(location, dataNodes),
  };
}

/** The embedded lab's Hadoop endpoints (from the NameNode's web base, the first of its port block), or undefined. */
function labEndpoints(): Omit<HadoopGateEndpoints, 'jobs'> | undefined {
  const namenodeUrl = embeddedHadoop()?.namenodeUrl;
  if (!namenodeUrl) return undefined;
  const { hostname, port } = new URL(namenodeUrl);
  const ports = hadoopPortMap(Number(port));
  return { namenodeHttp: `${hostname}:${ports.namenodeHttp}`, datanodeHttp: `${hostname}:${ports.datanodeHttp}`, namenodeRpc: `${hostname}:${ports.namenodeRpc}` };
}

/** What a run that uses Hadoop adds to its shell request, and what to do once it ended. */
export interface HadoopShellRun {
  readonly endpoints: readonly string[];
  readonly httpFilter: HttpRelayFilter;
  readonly tools: ShellTools;
  dispose(): void;
}

/**
 * Everything a shell run needs to use the lab's Hadoop as `student`: Hadoop started (on
 * demand: `onStatus` says it is starting and how far), the student's HDFS home, the sandbox's
 * client folder, the gate on the relayed endpoints and the run's place in the job gateway.
 */
export async function prepareHadoopShell(student: string, onStatus: (message: string) => void, onJob: (event: JobEvent) => void, signal?: AbortSignal): Promise<HadoopShellRun> {
  const lab = labEndpoints();
  if (!lab)
    throw new HadoopUnavailableError('Este ejemplo usa el Hadoop del laboratorio, y este sitio no tiene uno propio (modo externo o sin Hadoop): no se puede ejecutar aquí.');
  await waitForHadoop(onStatus, signal);
  const user = hdfsUser(student);
  try {
    await ensureStudentHdfsHome(student);
  } catch (error) {
    if (signal?.aborted) throw error;
    console.error('[runs] hadoop home', error); // the server's URL and HDFS's English: for the log
    throw new HadoopUnavailableError(RUN_MESSAGES.hadoopHomeUnavailable, { cause: error });
  }
  const client = await prepareSandboxClient(hadoopPaths(), { namenodeHttp: lab.namenodeHttp });
  const gateway = jobGateway();
  const endpoints = { ...lab, jobs: await gateway.endpoint() };
  const registration = gateway.register({ user, onJob });
  return {
    endpoints: [endpoints.namenodeHttp, endpoints.datanodeHttp, endpoints.jobs],
    httpFilter: hadoopRelayFilter(user, endpoints, registration.token),
    tools: {
      ...client,
      // The client's own idea of who it is: only for relative paths (/user/<user>) and what `hdfs dfs -ls` shows;
      // who the NameNode sees is the relay's to say, whatever the script sets.
      env: { ...client.env, HADOOP_USER_NAME: user, CAUCE_HADOOP_JOBS: endpoints.jobs },
      addressSpaceMb: SHELL_HADOOP_ADDRESS_SPACE_MB,
    },
    dispose: registration.dispose,
  };
}

/** Waits until the lab's Hadoop is healthy, asking the launcher to start it if it is down. */
async function waitForHadoop(onStatus: (message: string) => void, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + HADOOP_START_WAIT_MS;
  let said = '';
  for (;;) {
    const status = await hadoopStatus();
    if (status?.ok) return;
    if (status?.startable) await requestHadoop();
    if (status?.supervisor?.state === 'gave-up')
      // The launcher's reason may be a daemon's own (English) words: said as a detail, after what to do.
      throw new HadoopUnavailableError(
        `Hadoop no pudo arrancar en el laboratorio tras varios intentos; esta ejecución ha pedido que lo intente de nuevo. Vuelve a ejecutar en un minuto; si sigue igual, avisa a tu profesor.${status.supervisor.reason ? ` Detalle técnico: ${status.supervisor.reason}` : ''}`,
      );
    const message = `Hadoop está arrancando (se inicia la primera vez que una lección lo necesita, unos 20–30 s): ${status?.supervisor?.reason ?? 'esperando al laboratorio…'}`;
    if (message !== said) onStatus((said = message));
    if (Date.now() > deadline)
      throw new HadoopUnavailableError(
        `Hadoop no terminó de arrancar en ${HADOOP_START_WAIT_MS / 1000} s. Vuelve a intentarlo en un momento; si sigue igual, avisa a tu profesor.`,
      );
    signal?.throwIfAborted(); // the caller ends the run `stopped`
    await sleep(1_000, undefined, signal ? { signal } : {});
  }
}

/**
 * Why a Hadoop run that failed failed, when it was the lab's doing: the Spanish explanation if
 * the lab's Hadoop is not healthy now (it stopped or is restarting under the script), else
 * undefined (the failure is the script's own).
 */
export async function hadoopDown(): Promise<string | undefined> {
  const status = await hadoopStatus();
  return status && !status.ok ? RUN_MESSAGES.hadoopLost : undefined;
}
