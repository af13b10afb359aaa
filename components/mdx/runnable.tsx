import { z } from 'zod';
import { SnippetFile, SnippetKind } from '@/lib/content/schema';
import { RUNNABLE_KINDS } from '@/lib/runs/schema';
import { RunnableClient } from './runnable.client';

export interface RunnableProps {
  /** How the lab runs it: kafka-ts, kafka-py, airflow-dag, pyspark or shell. */
  kind: string;
  /** Title shown above the editor, e.g. "Productor de mensajes". */
  title: string;
  /** Added at build time by remarkRunnable from the fenced code blocks inside the tag. */
  files?: string;
  /** Added at build time: "<course>/<lesson>/<title-slug>". */
  id?: string;
  /**
   * Shell examples: the server's measurement after the script (`hadoop-prerequisites`), shown
   * as a table under the output. Read by the server from the lesson, never sent by the page.
   */
  probe?: string;
  /**
   * Shell examples: the lab service they use (`hadoop`): the run starts it on demand and relays
   * only its gated endpoints. Read by the server from the lesson, never sent by the page.
   */
  lab?: string;
}

const Files = z.array(SnippetFile).min(1);

/**
 * An editable, runnable example. Server-safe: it validates what the build extracted and hands
 * plain data to the client component, which loads Monaco only when the example is visible.
 */
export function Runnable({ kind, title, files, id }: RunnableProps) {
  const parsedKind = SnippetKind.parse(kind);
  const parsedFiles = Files.parse(JSON.parse(files ?? '[]'));
  return <RunnableClient id={id ?? title} kind={parsedKind} title={title} files={parsedFiles} canRun={RUNNABLE_KINDS.includes(parsedKind)} />;
}
