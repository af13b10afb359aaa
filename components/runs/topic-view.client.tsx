'use client';

import type { KafkaRecord } from '@/lib/runs/schema';
import { laneKey, type RecordsSummary } from './use-run.client';

const KEY_PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
// Consumers get their own colours so a consumer is never mistaken for a key.
const CONSUMER_PALETTE = ['#475569', '#9333ea', '#b45309', '#0f766e'];

function colourFor(value: string | null | undefined, known: Map<string, string>, palette: string[]): string {
  const key = value ?? '∅';
  if (!known.has(key)) known.set(key, palette[known.size % palette.length]!);
  return known.get(key)!;
}

interface Lane {
  topic: string;
  partition: number;
  produced: KafkaRecord[];
  consumed: KafkaRecord[];
}

function lanes(records: KafkaRecord[], beyond: RecordsSummary['beyond']): Lane[] {
  const byLane = new Map<string, Lane>();
  const laneOf = (topic: string, partition: number) => {
    const id = `${topic}\u0000${partition}`;
    const lane = byLane.get(id) ?? { topic, partition, produced: [], consumed: [] };
    byLane.set(id, lane);
    return lane;
  };
  for (const record of records) laneOf(record.topic, record.partition)[record.direction].push(record);
  for (const counted of beyond) laneOf(counted.topic, counted.partition); // a lane only counted still gets its line
  return [...byLane.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

const count = new Intl.NumberFormat('es-ES', { useGrouping: 'always' } as Intl.NumberFormatOptions);

function mensajes(n: number): string {
  return n === 1 ? '1 mensaje' : `${count.format(n)} mensajes`;
}

export interface TopicViewProps {
  /** The records the page kept (the latest ones). */
  records: KafkaRecord[];
  /** Record events received per lane ({@link laneKey}), for the totals. @default {} */
  counts?: Record<string, number>;
  /** What the server only counted, past its record budget (lib/limits.ts MAX_RECORDS_PER_RUN). */
  beyond?: RecordsSummary;
}

/**
 * A picture of what the run did to Kafka: one lane per topic partition, one box per record at
 * its offset, coloured by key (same key, same partition, in order). Consumed records name the
 * consumer that received them, which shows how a group splits the partitions. Past the run's
 * record budget a lane ends with how many more it had ("y 20.000 mensajes más…").
 */
export function TopicView({ records, counts = {}, beyond }: TopicViewProps) {
  const counted = beyond?.beyond ?? [];
  if (records.length === 0 && counted.length === 0) return null;
  const keyColours = new Map<string, string>();
  const consumerColours = new Map<string, string>();
  return (
    <figure className="topic-view" aria-label="Particiones y offsets de los mensajes de esta ejecución">
      <figcaption>Particiones y offsets</figcaption>
      {beyond && beyond.total > 0 && (
        <p className="topic-budget">
          Esta ejecución movió {mensajes(beyond.kept + beyond.total)}: se dibujan los primeros {count.format(beyond.kept)} y del resto se cuentan los totales de cada partición.
        </p>
      )}
      {lanes(records, counted).map((lane) => {
        const consumers = [...new Set(lane.consumed.map((r) => r.consumer).filter(Boolean))] as string[];
        // Produced records when the run produced on this lane, as before; consumed ones otherwise.
        const countedHere = counted.filter((c) => c.topic === lane.topic && c.partition === lane.partition);
        const producedHere = lane.produced.length > 0 || countedHere.some((c) => c.direction === 'produced');
        const direction = producedHere ? 'produced' : 'consumed';
        const shown = lane[direction];
        const more = countedHere.find((c) => c.direction === direction);
        const received = counts[laneKey({ direction, topic: lane.topic, partition: lane.partition })] ?? shown.length;
        const total = received + (more?.count ?? 0);
        return (
          <div className="lane" key={`${lane.topic}-${lane.partition}`}>
            <div className="lane-label">
              <span className="lane-topic">{lane.topic}</span> · partición {lane.partition}
              {more && ` · ${mensajes(total)} ${direction === 'produced' ? 'producidos' : 'consumidos'}`}
              {consumers.length > 0 && (
                <span className="lane-consumers">
                  {' '}
                  → leída por{' '}
                  {consumers.map((c) => (
                    <span key={c} className="consumer-chip" style={{ borderStyle: 'dashed', borderColor: colourFor(c, consumerColours, CONSUMER_PALETTE) }}>
                      {c}
                    </span>
                  ))}
                </span>
              )}
            </div>
            <ol className="lane-records" aria-label={`Partición ${lane.partition} de ${lane.topic}: ${shown.length} mensajes`}>
              {shown.slice(-40).map((record) => (
                <li
                  key={`${record.direction}-${record.offset}-${record.consumer ?? ''}`}
                  className="record-box"
                  style={{ borderTopColor: colourFor(record.key, keyColours, KEY_PALETTE) }}
                  title={`offset ${record.offset} · clave ${record.key ?? '(sin clave)'} · ${record.value ?? ''}`}
                >
                  <span className="record-offset">{record.offset}</span>
                  <span className="record-key">{record.key ?? '—'}</span>
                </li>
              ))}
            </ol>
            {more && (
              <p className="lane-more">
                y {mensajes(more.count)} más… (hasta el offset {more.lastOffset})
              </p>
            )}
          </div>
        );
      })}
      <p className="topic-legend">Cada caja es un mensaje: arriba su offset, abajo su clave; el color identifica la clave.</p>
    </figure>
  );
}
