import { HDFS_HOME_QUOTA } from '../../lib/limits';
import { HadoopUnavailableError, LabError } from '../errors';

/**
 * The lab's own (trusted) calls to HDFS over WebHDFS, from Node without starting a JVM: the
 * NameNode's REST API on its web port. Simple authentication: `user.name` is who the call acts
 * as, so this module is never reachable from student code (lab/hadoop/README.md).
 */
export class WebHdfs {
  constructor(
    private readonly namenodeUrl: string,
    /** HDFS's superuser: the user the NameNode runs as. */
    private readonly superuser: string,
  ) {}

  private async call(method: 'GET' | 'PUT', path: string, op: string, params: Record<string, string> = {}, as = this.superuser): Promise<unknown> {
    const query = new URLSearchParams({ op, 'user.name': as, ...params });
    const url = `${this.namenodeUrl}/webhdfs/v1${encodeURI(path)}?${query.toString()}`;
    let response: Response;
    try {
      response = await fetch(url, { method, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new HadoopUnavailableError(`HDFS no responde en ${this.namenodeUrl}`, { cause: error });
    }
    const body = (await response.json().catch(() => ({}))) as { RemoteException?: { exception?: string; message?: string } };
    if (!response.ok) {
      const remote = body.RemoteException;
      throw new WebHdfsError(remote?.message ?? `HTTP ${response.status}`, remote?.exception ?? 'HttpError', response.status);
    }
    return body;
  }

  async mkdirs(path: string, permission: string, as?: string): Promise<void> {
    await this.call('PUT', path, 'MKDIRS', { permission }, as);
  }

  async setOwner(path: string, owner: string, group: string): Promise<void> {
    await this.call('PUT', path, 'SETOWNER', { owner, group });
  }

  async setPermission(path: string, permission: string): Promise<void> {
    await this.call('PUT', path, 'SETPERMISSION', { permission });
  }

  /** `hdfs dfsadmin -setQuota` and `-setSpaceQuota` at once (WebHDFS's SETQUOTA, Hadoop 3.3+); as the superuser. */
  async setQuota(path: string, quota: { names: number; spaceBytes: number }): Promise<void> {
    await this.call('PUT', path, 'SETQUOTA', { namespacequota: String(quota.names), storagespacequota: String(quota.spaceBytes) });
  }

  /** A folder's quotas and use, as `hdfs dfs -count -q` reports them. */
  async quota(path: string): Promise<{ names: number; spaceBytes: number; namesUsed: number; spaceUsedBytes: number }> {
    const body = (await this.call('GET', path, 'GETCONTENTSUMMARY')) as {
      ContentSummary: { quota: number; spaceQuota: number; directoryCount: number; fileCount: number; spaceConsumed: number };
    };
    const summary = body.ContentSummary;
    return { names: summary.quota, spaceBytes: summary.spaceQuota, namesUsed: summary.directoryCount + summary.fileCount, spaceUsedBytes: summary.spaceConsumed };
  }

  /** A path's owner and octal permission, or undefined when it does not exist. */
  async status(path: string, as?: string): Promise<{ owner: string; group: string; permission: string; type: string } | undefined> {
    try {
      const body = (await this.call('GET', path, 'GETFILESTATUS', {}, as)) as { FileStatus: { owner: string; group: string; permission: string; type: string } };
      return body.FileStatus;
    } catch (error) {
      if (error instanceof WebHdfsError && error.exception === 'FileNotFoundException') return undefined;
      throw error;
    }
  }

  /** Names in a directory, read as `as` (a student's listing is refused outside their home). */
  async list(path: string, as?: string): Promise<string[]> {
    const body = (await this.call('GET', path, 'LISTSTATUS', {}, as)) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
    return body.FileStatuses.FileStatus.map((status) => status.pathSuffix);
  }

  /**
   * The folders every cluster of the lab needs, made by the superuser: /tmp (1777), /user (755;
   * each student's home below it) and MapReduce's staging area, as a cluster's install makes
   * it: /tmp/hadoop-yarn/staging and its history/done_intermediate, the superuser's and 1777.
   * Left to the first job, the staging folder would be that student's, 755, and every other
   * student's job would fail at submission (`Permission denied … inode="/tmp/hadoop-yarn/staging"`).
   */
  async ensureBaseLayout(): Promise<void> {
    await this.mkdirs('/tmp', '1777');
    await this.setPermission('/tmp', '1777');
    await this.mkdirs('/user', '755');
    // A home made before this ran (the site saw the NameNode healthy first) made /user 700 as its parent.
    await this.setPermission('/user', '755');
    for (const dir of ['/tmp/hadoop-yarn', STAGING_DIR, `${STAGING_DIR}/history`, `${STAGING_DIR}/history/done_intermediate`]) {
      await this.mkdirs(dir, '1777');
      await this.setOwner(dir, this.superuser, 'supergroup');
      await this.setPermission(dir, '1777');
    }
  }

  /**
   * `/user/<user>` owned by the student, mode 700: the NameNode refuses every other student
   * (permissions are on), the superuser still reaches it (the lab's checks, a reset).
   */
  async ensureHome(user: string): Promise<string> {
    const home = `/user/${user}`;
    const existing = await this.status(home);
    if (existing?.owner === user && existing.permission === '700') {
      await this.setHomeQuota(home); // a home made before quotas existed gets them too
      return home;
    }
    // /user first, 755: made implicitly by the home's MKDIRS it would take the home's 700, and
    // every student but the first would be refused at /user (seen when a run came before the
    // launcher's ensureBaseLayout).
    await this.mkdirs('/user', '755');
    await this.mkdirs(home, '700');
    await this.setOwner(home, user, user);
    await this.setPermission(home, '700');
    await this.setHomeQuota(home);
    return home;
  }

  private async setHomeQuota(home: string): Promise<void> {
    await this.setQuota(home, { names: HDFS_HOME_QUOTA.names, spaceBytes: HDFS_HOME_QUOTA.spaceMb * 1024 * 1024 });
  }
}

/** MapReduce's default staging area (yarn.app.mapreduce.am.staging-dir). */
const STAGING_DIR = '/tmp/hadoop-yarn/staging';

/** An HDFS refusal (`AccessControlException`, `FileNotFoundException`…), with the server's words. */
export class WebHdfsError extends LabError {
  constructor(
    message: string,
    readonly exception: string,
    readonly status: number,
  ) {
    super(message);
  }
}
