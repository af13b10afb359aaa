import { envVar } from '@/lib/env';

/** Where this server's Hadoop is, as the launcher told it (CAUCE_HADOOP_MODE and the two web bases). */
export interface SiteHadoop {
  /** `embedded`: the lab's own cluster (the site makes homes, gates the sandbox); `external`: an existing one. */
  readonly mode: 'embedded' | 'external';
  /** The NameNode's web base (JMX, WebHDFS), e.g. http://127.0.0.1:9870. */
  readonly namenodeUrl: string;
  /** The ResourceManager's web base (REST /ws/v1/cluster), when the launcher gave one. */
  readonly resourcemanagerUrl?: string;
}

/** This server's Hadoop, or undefined when the launcher started it without one. The one reader of those variables. */
export function siteHadoop(): SiteHadoop | undefined {
  const mode = envVar('CAUCE_HADOOP_MODE');
  const namenodeUrl = envVar('CAUCE_HADOOP_NAMENODE_URL');
  if (!mode || !namenodeUrl) return undefined;
  const resourcemanagerUrl = envVar('CAUCE_HADOOP_RM_URL');
  return { mode, namenodeUrl, ...(resourcemanagerUrl ? { resourcemanagerUrl } : {}) };
}

/** The lab's own Hadoop, or undefined (none, or an external cluster: its homes and clients are its administrators' business). */
export function embeddedHadoop(): (SiteHadoop & { mode: 'embedded' }) | undefined {
  const hadoop = siteHadoop();
  return hadoop?.mode === 'embedded' ? { ...hadoop, mode: 'embedded' } : undefined;
}
