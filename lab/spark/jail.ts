import { chmodSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jdkTool } from '../kafka/process';
import type { SparkPaths, SparkPythonPaths } from './paths';

/** What the server's filesystem view is made of. */
export interface JailInput {
  readonly paths: SparkPaths;
  readonly python: SparkPythonPaths;
  /** Tracked files the JVM reads (the log4j configuration). */
  readonly sourceDir: string;
  readonly uid: number;
}

/**
 * The second wall around the shared JVM, for when the launcher is root: bubblewrap with the
 * system's /usr and /etc read-only, the JDK, pyspark's jars, the connectors and the guard
 * read-only, and its own state folder writable; nothing else of the lab (Kafka's and Airflow's
 * secrets, the site's database, the repository). Every student's plan runs in this JVM: should a
 * plan ever get past the guards, it finds only Spark's own files.
 *
 * It also gives the server's uid a name: Hadoop's login (UserGroupInformation) refuses a uid
 * without a passwd entry («Invalid UID, could not determine effective user»), so a generated
 * /etc/passwd and /etc/group are bound over the host's. The network is the host's: the server
 * listens on loopback and reaches Kafka and the S3 store there. No --new-session: the launcher
 * stops the server by signalling its process group, which the JVM stays in.
 */
export function jailArgs(input: JailInput): string[] {
  const { paths, python } = input;
  const etc = writeIdentity(paths.etcDir, input.uid);
  const javaHome = dirname(dirname(realpathSync(resolveJava())));
  const readOnly = [javaHome, python.venv, paths.libsDir, paths.guardDir, input.sourceDir];
  return [
    '/usr/bin/bwrap',
    '--unshare-user',
    // Its own process namespace: no other process of the machine to look at (/proc/<pid>/cmdline).
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--die-with-parent',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--ro-bind',
    '/etc',
    '/etc',
    '--ro-bind',
    join(etc, 'passwd'),
    '/etc/passwd',
    '--ro-bind',
    join(etc, 'group'),
    '/etc/group',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    ...readOnly.flatMap((dir) => ['--ro-bind', dir, dir]),
    '--bind',
    paths.stateDir,
    paths.stateDir,
    '--chdir',
    paths.stateDir,
    '--',
  ];
}

function resolveJava(): string {
  const java = jdkTool('java');
  return java.includes('/') ? java : '/usr/bin/java';
}

/** passwd and group files naming the server's uid «spark», root-owned and readable. */
function writeIdentity(dir: string, uid: number): string {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'passwd'), `root:x:0:0:root:/root:/usr/sbin/nologin\nspark:x:${uid}:${uid}:Cauce Spark:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
  writeFileSync(join(dir, 'group'), `root:x:0:\nspark:x:${uid}:\n`, { mode: 0o644 });
  return dir;
}
