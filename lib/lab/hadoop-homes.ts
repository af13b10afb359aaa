import { userInfo } from 'node:os';
import { studentSlug } from '@/lab/kafka/credentials';
import { WebHdfs } from '@/lab/hadoop/webhdfs';
import { embeddedHadoop } from './hadoop-endpoints';

/**
 * A student's HDFS user: their slug (the Kafka prefix and DAG folder use the same one), with `_`
 * in front when it starts with a digit (WebHDFS refuses such names; slugs never start with `_`,
 * so no two students meet).
 */
export function hdfsUser(student: string): string {
  const slug = studentSlug(student);
  return /^[0-9]/.test(slug) ? `_${slug}` : slug;
}

const made = new Map<string, Promise<string>>();

/**
 * `/user/<alumno>` for this student on the lab's own Hadoop, owned by them, mode 700, made once per
 * server process by HDFS's superuser (the user the launcher and this server run as). Undefined
 * without an embedded Hadoop: an external cluster's homes are its administrators' business.
 * A failure is not cached: the next call tries again (Hadoop may still be starting).
 */
export function ensureStudentHdfsHome(student: string): Promise<string> | undefined {
  const namenodeUrl = embeddedHadoop()?.namenodeUrl;
  if (!namenodeUrl) return undefined;
  const user = hdfsUser(student);
  let home = made.get(user);
  if (!home) {
    home = new WebHdfs(namenodeUrl, userInfo().username).ensureHome(user);
    made.set(user, home);
    home.catch(() => made.delete(user));
  }
  return home;
}
