import type { S3PortMap } from '../ports';
import type { S3Paths } from './paths';
import { S3_ADMIN_NAME, type S3Secrets } from './secrets';

/**
 * The static S3 config (`-s3.config`): the admin identity only. Students' identities are added
 * at run time as files under the filer's /etc/iam/identities (lab/s3/identities.ts), which the
 * S3 server follows and merges with this one, so a new student needs no restart. A config file
 * also means authentication is on even before the first identity loads: SeaweedFS without one
 * would serve every request anonymously.
 */
export function renderS3Config(secrets: S3Secrets): string {
  const config = {
    identities: [
      {
        name: S3_ADMIN_NAME,
        credentials: [{ accessKey: secrets.adminAccessKey, secretKey: secrets.adminSecretKey }],
        actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * `weed server` with a master, one volume server, a filer and the S3 gateway in one process
 * (SeaweedFS's own single-node mode), on loopback only, every port from the lab's block.
 * Sizes are for a class's small Parquet files on a shared 2-core machine: 64 MB volumes (the
 * default 30 GB would reserve little but grow huge files), and the volume server stops at once
 * (its default waits 10 s for clients to notice a shutdown no other server waits for). 32
 * volumes of 128 MB at most: 4 GB for the whole class (a volume file grows as it is written).
 */
export function weedServerArgs(paths: S3Paths, ports: S3PortMap): string[] {
  return [
    '-logtostderr=true',
    'server',
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-dir=${paths.volumeDir}`,
    `-master.dir=${paths.metaDir}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.volumeSizeLimitMB=128',
    // A single master is its own quorum: with the default 10 s, a restarted master (resuming its
    // raft state) took ~20 s to lead again, and every read waited for it.
    '-master.electionTimeout=1s',
    // No statistics sent anywhere (the lab has no internet, and would not send them if it had).
    '-master.telemetry=false',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    '-volume.max=32',
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    // Small files inline in the filer's store: SeaweedFS reads /etc/iam identity files only from
    // there (filer.ReadInsideFiler), so one written over HTTP must not go to a volume.
    '-filer.saveToFilerLimit=4096',
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    // Catalog servers the lab does not use, each another listener.
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    // The IAM API on the S3 port: identities are managed through the filer, not by S3 clients.
    '-s3.iam=false',
    `-s3.config=${paths.configFile}`,
  ];
}
