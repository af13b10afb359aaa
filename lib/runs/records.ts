import { KafkaRecord } from './schema';

/**
 * The kafkajs shim inside the sandbox reports each produced/consumed record as one stdout line
 * starting with this marker. The line never reaches the student as text: it becomes a record
 * event (a student printing a fake one only fools their own output panel).
 */
export const RECORD_MARKER = '\u001ecauce:record ';

export function parseRecordLine(line: string): KafkaRecord | undefined {
  if (!line.startsWith(RECORD_MARKER)) return undefined;
  try {
    const parsed = KafkaRecord.safeParse(JSON.parse(line.slice(RECORD_MARKER.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
