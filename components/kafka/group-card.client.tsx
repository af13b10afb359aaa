'use client';

import { useState } from 'react';
import type { MyGroup, ResetOffsetsInput } from '@/lib/lab/my-kafka/schema';
import { LagBar } from './lag-bar';

const STATE: Record<string, string> = {
  Empty: 'vacío: sin consumidores activos',
  Stable: 'activo',
  PreparingRebalance: 'reorganizándose',
  CompletingRebalance: 'reorganizándose',
  Dead: 'eliminado',
};

/** Props of {@link GroupCard}. */
export interface GroupCardProps {
  group: MyGroup;
  /** True while another action runs. */
  disabled: boolean;
  onReset: (input: Omit<ResetOffsetsInput, 'groupId'>) => void;
}

/**
 * One consumer group as `kafka-consumer-groups.sh --describe` shows it (topic, partition,
 * committed offset, end offset, lag, consumer), each partition also drawn as a bar, and the
 * form that resets its offsets (earliest, latest or a given offset) on one of its topics.
 */
export function GroupCard({ group, disabled, onReset }: GroupCardProps) {
  const topics = [...new Set(group.partitions.map((p) => p.topic))];
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [to, setTo] = useState<ResetOffsetsInput['to']>('earliest');
  const [offset, setOffset] = useState('0');
  const id = `grupo-${group.groupId.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  const totalLag = group.partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
  const chosen = topics.includes(topic) ? topic : (topics[0] ?? '');
  return (
    <article className="my-kafka-card" aria-labelledby={id}>
      <header className="my-kafka-card-header">
        <h3 id={id}>
          <code>{group.groupId}</code>
        </h3>
        <span className="my-kafka-meta">
          {STATE[group.state] ?? group.state} · retraso total {totalLag}
        </span>
      </header>
      <p className="my-kafka-members">
        {group.members.length === 0
          ? 'Ningún consumidor conectado.'
          : `Consumidores conectados: ${group.members.map((m) => `${m.clientId} (${m.host.replace(/^\//, '')})`).join(', ')}.`}
      </p>
      {group.partitions.length === 0 ? (
        <p className="my-kafka-meta">El grupo aún no tiene offsets confirmados en tus temas.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table my-kafka-table">
            <caption className="visually-hidden">Offsets del grupo {group.groupId}</caption>
            <thead>
              <tr>
                <th scope="col">Tema</th>
                <th scope="col">Partición</th>
                <th scope="col">Offset confirmado</th>
                <th scope="col">Offset final</th>
                <th scope="col">Retraso</th>
                <th scope="col">Consumidor</th>
                <th scope="col">Leído</th>
              </tr>
            </thead>
            <tbody>
              {group.partitions.map((p) => (
                <tr key={`${p.topic}/${p.partition}`} className={p.lag ? 'my-kafka-lagging' : undefined}>
                  <td>
                    <code>{p.topic}</code>
                  </td>
                  <th scope="row">{p.partition}</th>
                  <td>{p.committed ?? '-'}</td>
                  <td>{p.end}</td>
                  <td className="my-kafka-lag">{p.lag ?? '-'}</td>
                  <td>{p.consumer ?? '-'}</td>
                  <td>
                    <LagBar committed={p.committed} end={p.end} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {topics.length > 0 && (
        <form
          className="my-kafka-reset"
          aria-label={`Reiniciar los offsets de ${group.groupId}`}
          onSubmit={(event) => {
            event.preventDefault();
            onReset({ topic: chosen, to, ...(to === 'offset' ? { offset: Math.max(0, Math.floor(Number(offset) || 0)) } : {}) });
          }}
        >
          {topics.length > 1 && (
            <label>
              Tema{' '}
              <select value={chosen} onChange={(e) => setTopic(e.target.value)}>
                {topics.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          )}
          <label>
            Mover el offset{' '}
            <select value={to} onChange={(e) => setTo(e.target.value as ResetOffsetsInput['to'])}>
              <option value="earliest">al principio (earliest)</option>
              <option value="latest">al final (latest)</option>
              <option value="offset">a un offset concreto</option>
            </select>
          </label>
          {to === 'offset' && (
            <label>
              Offset <input type="number" min={0} step={1} inputMode="numeric" value={offset} onChange={(e) => setOffset(e.target.value)} />
            </label>
          )}
          <button type="submit" className="button" disabled={disabled}>
            Reiniciar offsets
          </button>
        </form>
      )}
    </article>
  );
}
