/**
 * `npm run bench:provision`: a class of BENCH_STUDENTS (40) provisioned at once by the tenant
 * admin (lab/kafka/tenants.ts, lab/kafka/TenantAdmin.java) against a one-node test cluster with
 * the lab's config, BENCH_ROUNDS (3) times with fresh students. Prints per round the wall time
 * until every student has their credential, the broker's and the admin JVM's CPU over that time
 * plus a settle (the broker publishes metadata after the answers), less what each burns idle,
 * and at the end how many controller writes created principals (record batches of the metadata
 * log holding SCRAM, ACL or quota records, read with Kafka's DumpLogSegments), and the admin
 * JVM's PSS after them all.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { jdkTool } from '../lab/kafka/process';
import { TenantAdmin } from '../lab/kafka/tenants';
import { startTestCluster } from '../lab/kafka/test-helpers';
import { cpuSecondsByPart } from './process-cpu';
import { treeMemory } from './process-memory';
import { processTable } from './process-table';

const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Idle CPU is measured over this long before each burst, and subtracted. */
const IDLE_MS = 3_000;
/** After the last answer the broker still applies and publishes the metadata: counted too. */
const SETTLE_MS = 2_000;

const run = promisify(execFile);

/** Record batches of the metadata log that carry a principal's records (SCRAM, ACLs, quotas). */
async function principalWrites(libsDir: string, dataDir: string): Promise<number> {
  const logDir = path.join(dataDir, '__cluster_metadata-0');
  const files = readdirSync(logDir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => path.join(logDir, f));
  const { stdout } = await run(
    jdkTool('java'),
    ['-Xmx256m', '-cp', `${libsDir}/*`, 'org.apache.kafka.tools.DumpLogSegments', '--cluster-metadata-decoder', '--files', files.join(',')],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  // A batch's header line ("baseOffset: ...") is followed by its records ("| offset: ... payload: {...}").
  let writes = 0;
  let counted = true;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('baseOffset:')) counted = false;
    else if (!counted && /USER_SCRAM_CREDENTIAL_RECORD|ACCESS_CONTROL_ENTRY_RECORD|CLIENT_QUOTA_RECORD/.test(line)) {
      writes += 1;
      counted = true;
    }
  }
  return writes;
}

async function main(): Promise<void> {
  const cluster = await startTestCluster({ size: 1 });
  const node = cluster.nodes[0]!;
  const tenants = new TenantAdmin({ brokers: cluster.brokers, admin: cluster.adminSasl, libsDir: node.paths.libsDir });
  // Only this bench's processes (another broker or admin may run on the machine).
  const parts = {
    broker: (cmd: string) => cmd.includes('kafka.Kafka') && cmd.includes(node.paths.configFile),
    admin: (cmd: string) => cmd.includes(' TenantAdmin') && cmd.includes(node.paths.libsDir),
  };
  try {
    // The JVM started, its connection up and its classes loaded, as on a server that runs.
    await tenants.ensureStudent(`calentamiento-${randomUUID().slice(0, 6)}`);
    const writesBefore = await principalWrites(node.paths.libsDir, node.paths.dataDir);
    for (let round = 1; round <= ROUNDS; round += 1) {
      await sleep(SETTLE_MS);
      const idleFrom = cpuSecondsByPart(parts);
      await sleep(IDLE_MS);
      const idleTo = cpuSecondsByPart(parts);
      const startedAt = Date.now();
      const before = cpuSecondsByPart(parts);
      const batchesBefore = tenants.provisionBatches;
      await Promise.all(Array.from({ length: STUDENTS }, (_, i) => tenants.ensureStudent(`bench-${round}-${i}-${randomUUID().slice(0, 4)}`)));
      const wallMs = Date.now() - startedAt;
      await sleep(SETTLE_MS);
      const after = cpuSecondsByPart(parts);
      const windowMs = Date.now() - startedAt;
      const used = (part: keyof typeof parts) => after[part] - before[part] - ((idleTo[part] - idleFrom[part]) * windowMs) / IDLE_MS;
      console.log(
        `ronda ${round}: ${STUDENTS} alumnos en ${wallMs} ms; CPU del broker ${used('broker').toFixed(2)} s, del administrador ${used('admin').toFixed(2)} s` +
          ` (en ${windowMs} ms, descontado el reposo); lotes ${tenants.provisionBatches - batchesBefore}`,
      );
    }
    const admin = processTable().find((row) => parts.admin(row.args));
    if (admin) console.log(`memoria del administrador tras ${ROUNDS * STUDENTS + 1} alumnos: PSS ${treeMemory(admin.pid).pssMb.toFixed(0)} MB`);
    const writes = (await principalWrites(node.paths.libsDir, node.paths.dataDir)) - writesBefore;
    console.log(`escrituras del controlador con registros de alumnos: ${writes} para ${ROUNDS * STUDENTS} alumnos`);
  } finally {
    tenants.close();
    await cluster.stop();
  }
}

await main();
