import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labRoot, REPO_ROOT } from '../kafka/paths';
import { SEAWEEDFS_VERSION } from './version';

/** lab/s3/, where the Go wrapper module that builds `weed` lives (tracked files). */
export const S3_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Every file the embedded S3 store owns. Mutable state lives under the gitignored .lab/. */
export interface S3Paths {
  /** The wrapper module (go.mod, go.sum) `go build` runs in. */
  readonly buildDir: string;
  /**
   * The `weed` binary, named by the SeaweedFS version it was built from, so a second start (or
   * another test's store) reuses it and a version bump builds a new one beside it. A build
   * product of this checkout, like .next/: in the repository's .lab/bin whatever CAUCE_LAB_DIR
   * says, so the e2e lab (.lab/e2e) does not build it a second time.
   */
  readonly binary: string;
  /** The store's state: data/, logs/, the S3 config, secrets, pid file. */
  readonly stateDir: string;
  /**
   * The master's raft state and, in `filerldb2/`, the filer's leveldb store: buckets, keys and
   * the students' identities under /etc/iam (weed server puts the filer store in -master.dir).
   */
  readonly metaDir: string;
  /** The volume files: the objects' bytes. */
  readonly volumeDir: string;
  readonly logsDir: string;
  /** The static S3 config (the admin identity), mode 0600. */
  readonly configFile: string;
  readonly pidFile: string;
}

/**
 * @param stateDir @default `<lab root>/s3`
 * @param binDir @default `<repo>/.lab/bin` (shared by every store, tests and e2e included)
 */
export function s3Paths(stateDir?: string, binDir?: string): S3Paths {
  const state = resolve(/*turbopackIgnore: true*/ stateDir ?? join(labRoot(), 's3'));
  const data = join(state, 'data');
  return {
    buildDir: join(S3_SOURCE_DIR, 'go'),
    binary: join(resolve(/*turbopackIgnore: true*/ binDir ?? join(REPO_ROOT, '.lab', 'bin')), `weed-${SEAWEEDFS_VERSION}`),
    stateDir: state,
    metaDir: join(data, 'meta'),
    volumeDir: join(data, 'volume'),
    logsDir: join(state, 'logs'),
    configFile: join(state, 's3-config.json'),
    pidFile: join(state, 'weed.pid'),
  };
}
