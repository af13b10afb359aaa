'use client';

import { useCallback, useEffect, useRef, useState, useTransition } from 'react';
import { deleteTopic, loadMyKafka, resetOffsets } from '@/app/mi-kafka/actions';
import type { MyKafkaResult, MyKafkaView } from '@/lib/lab/my-kafka/schema';
import { GroupCard } from './group-card.client';
import { TopicCard } from './topic-card.client';

/** How often the panel rereads while the tab is visible. */
const REFRESH_MS = 4_000;
const SITE_UNREACHABLE = 'No se pudo hablar con el sitio. Comprueba que Cauce sigue en marcha y pulsa «Actualizar».';

/**
 * Mi Kafka: the student's topics and consumer groups, reread every few seconds while visible.
 * The last good view stays on screen while a read is under way or failed (no flicker, no blank).
 */
export function MyKafkaPanel({ initial }: { initial: MyKafkaResult }) {
  const [view, setView] = useState<MyKafkaView | null>(initial.ok ? initial.view : null);
  const [error, setError] = useState<string | null>(initial.ok ? null : initial.message);
  const [done, setDone] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [acting, startAction] = useTransition();
  const busy = useRef(false);
  // Bumped by each action (-1 while one runs): a read that started before it must not paint the older state.
  const generation = useRef(0);

  const apply = useCallback((result: MyKafkaResult) => {
    if (result.ok) {
      setView(result.view);
      setError(null);
      if (result.done) setDone(result.done);
    } else setError(result.message);
  }, []);

  const refresh = useCallback(async () => {
    // Not during an action either: kafkajs moves offsets by joining the group for a moment, and
    // a read then would paint that passing member.
    if (busy.current || generation.current < 0) return;
    busy.current = true;
    const started = generation.current;
    setRefreshing(true);
    try {
      const result = await loadMyKafka();
      // An action's answer wins over a read that was already under way when it started.
      if (generation.current === started) apply(result);
    } catch {
      setError(SITE_UNREACHABLE);
    } finally {
      busy.current = false;
      setRefreshing(false);
    }
  }, [apply]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) void refresh();
    }, REFRESH_MS);
    const onVisible = () => {
      if (!document.hidden) void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const act = (work: () => Promise<MyKafkaResult>) =>
    startAction(async () => {
      const next = generation.current + 1;
      generation.current = -1; // pauses the refresh until the action's own view arrives
      setDone(null);
      let result: MyKafkaResult;
      try {
        result = await work();
      } catch {
        result = { ok: false, message: SITE_UNREACHABLE };
      }
      generation.current = next;
      apply(result);
    });

  return (
    <div className="my-kafka">
      <div className="my-kafka-toolbar">
        <button type="button" className="button" onClick={() => void refresh()} disabled={refreshing}>
          {refreshing ? 'Actualizando…' : 'Actualizar'}
        </button>
        {view && (
          <span className="my-kafka-read-at">
            Actualizado a las <time dateTime={view.readAt}>{new Date(view.readAt).toLocaleTimeString('es-ES')}</time> · se actualiza solo cada {REFRESH_MS / 1000} s
          </span>
        )}
      </div>
      <div role="status" aria-live="polite" className="my-kafka-messages">
        {done && <p className="my-kafka-done">{done}</p>}
      </div>
      <div role="alert" className="my-kafka-messages">
        {error && <p className="my-kafka-error">{error}</p>}
      </div>
      {view && (
        <>
          <p className="my-kafka-scope">
            {view.isolated ? (
              <>
                Lo ves con tu propio usuario de Kafka: solo aparecen los temas y grupos que empiezan por <code>{view.prefix}</code> (tu prefijo del laboratorio).
              </>
            ) : (
              <>Este Kafka no separa a los alumnos: aparecen todos sus temas y grupos.</>
            )}
          </p>
          <section aria-labelledby="mis-temas">
            <h2 id="mis-temas">Temas</h2>
            {view.topics.length === 0 ? (
              <p>Todavía no tienes temas. Ejecuta el productor de la lección «Productor de Kafka» y aparecerá aquí.</p>
            ) : (
              view.topics.map((topic) => <TopicCard key={topic.name} topic={topic} disabled={acting} onDelete={() => act(() => deleteTopic({ topic: topic.name }))} />)
            )}
          </section>
          <section aria-labelledby="mis-grupos">
            <h2 id="mis-grupos">Grupos de consumidores</h2>
            {view.groups.length === 0 ? (
              <p>Todavía no tienes grupos. Ejecuta el consumidor de la lección «Consumidor y grupos de consumidores» y aparecerá aquí.</p>
            ) : (
              view.groups.map((group) => (
                <GroupCard key={group.groupId} group={group} disabled={acting} onReset={(input) => act(() => resetOffsets({ groupId: group.groupId, ...input }))} />
              ))
            )}
          </section>
        </>
      )}
    </div>
  );
}
