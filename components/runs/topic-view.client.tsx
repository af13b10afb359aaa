'use client';

import type { KafkaRecord } from '@/lib/runs/schema';

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

function lanes(records: KafkaRecord[]): Lane[] {
  const byLane = new Map<string, Lane>();
  for (const record of records) {
    const id = `${record.topic}\u0000${record.partition}`;
    const lane = byLane.get(id) ?? { topic: record.topic, partition: record.partition, produced: [], consumed: [] };
    lane[record.direction].push(record);
    byLane.set(id, lane);
  }
  return [...byLane.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * A picture of what the run did to Kafka: one lane per topic partition, one box per record at
 * its offset, coloured by key (same key, same partition, in order). Consumed records name the
 * consumer that received them, which shows how a group splits the partitions.
 */
export function TopicView({ records }: { records: KafkaRecord[] }) {
  if (records.length === 0) return null;
  const keyColours = new Map<string, string>();
  const consumerColours = new Map<string, string>();
  return (
    <figure className="topic-view" aria-label="Particiones y offsets de los mensajes de esta ejecución">
      <figcaption>Particiones y offsets</figcaption>
      {lanes(records).map((lane) => {
        const consumers = [...new Set(lane.consumed.map((r) => r.consumer).filter(Boolean))] as string[];
        const shown = lane.produced.length > 0 ? lane.produced : lane.consumed;
        return (
          <div className="lane" key={`${lane.topic}-${lane.partition}`}>
            <div className="lane-label">
              <span className="lane-topic">{lane.topic}</span> · partición {lane.partition}
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
          </div>
        );
      })}
      <p className="topic-legend">Cada caja es un mensaje: arriba su offset, abajo su clave; el color identifica la clave.</p>
    </figure>
  );
}
