'use client';

import { useState } from 'react';
import type { MyTopic } from '@/lib/lab/my-kafka/schema';

/** Props of {@link TopicCard}. */
export interface TopicCardProps {
  topic: MyTopic;
  /** True while another action runs. */
  disabled: boolean;
  onDelete: () => void;
}

/** One topic: its partitions with start and end offsets, the last messages of each, and "Borrar tema" (asked twice). */
export function TopicCard({ topic, disabled, onDelete }: TopicCardProps) {
  const [confirming, setConfirming] = useState(false);
  const total = topic.partitions.reduce((sum, p) => sum + (p.end - p.start), 0);
  const id = `tema-${topic.name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  return (
    <article className="my-kafka-card" aria-labelledby={id}>
      <header className="my-kafka-card-header">
        <h3 id={id}>
          <code>{topic.name}</code>
        </h3>
        <span className="my-kafka-meta">
          {topic.partitions.length} {topic.partitions.length === 1 ? 'partición' : 'particiones'} · {total} {total === 1 ? 'mensaje' : 'mensajes'}
        </span>
        {confirming ? (
          <span className="my-kafka-confirm">
            <button type="button" className="button button-stop" disabled={disabled} onClick={onDelete}>
              Sí, borrar «{topic.name}»
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Cancelar
            </button>
          </span>
        ) : (
          <button type="button" className="button" disabled={disabled} onClick={() => setConfirming(true)} aria-label={`Borrar tema ${topic.name}`}>
            Borrar tema
          </button>
        )}
      </header>
      {confirming && <p className="my-kafka-warning">Se borrarán el tema y todos sus mensajes; no se puede deshacer.</p>}
      <div className="table-scroll">
        <table className="data-table my-kafka-table">
          <caption className="visually-hidden">Particiones del tema {topic.name}</caption>
          <thead>
            <tr>
              <th scope="col">Partición</th>
              <th scope="col">Offset inicial</th>
              <th scope="col">Offset final</th>
              <th scope="col">Últimos mensajes</th>
            </tr>
          </thead>
          <tbody>
            {topic.partitions.map((p) => (
              <tr key={p.partition}>
                <th scope="row">{p.partition}</th>
                <td>{p.start}</td>
                <td>{p.end}</td>
                <td>
                  {p.messages.length === 0 ? (
                    <span className="my-kafka-meta">{p.end > p.start ? 'no se pudieron leer ahora' : 'vacía'}</span>
                  ) : (
                    <ol className="my-kafka-records" aria-label={`Últimos mensajes de la partición ${p.partition}`}>
                      {p.messages.map((m) => (
                        <li key={m.offset}>
                          <span className="my-kafka-offset">offset {m.offset}</span> <span className="my-kafka-key">clave={m.key ?? '∅'}</span>{' '}
                          <span className="my-kafka-value">valor={m.value ?? '∅'}</span>
                        </li>
                      ))}
                    </ol>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}
