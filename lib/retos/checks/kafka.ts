import type { KafkaRecord } from '@/lib/runs/schema';
import type { CheckContext, KafkaState, KafkaTopicState, RequirementCheck } from '../schema';
import { plural } from '@/lib/format/spanish';

/**
 * Requirements on the student's Kafka, judged on what the broker holds after the run (topics,
 * offsets, groups, read with the student's own principal) and on the records the broker
 * acknowledged to their program during it. Names are without the student's prefix.
 */

const messages = (n: number) => plural(n, 'mensaje', 'mensajes');
const partitions = (n: number) => plural(n, 'partición', 'particiones');

function findTopic(state: KafkaState, name: string): KafkaTopicState | undefined {
  return state.topics.find((t) => t.name === name);
}

/** Messages a topic holds now (end − start over its partitions). */
export function heldMessages(topic: KafkaTopicState): number {
  return topic.partitions.reduce((sum, p) => sum + (p.end - p.start), 0);
}

/** The run's records on one topic (the prefixed name the broker saw). */
async function runRecords(context: CheckContext, topic: string, direction: KafkaRecord['direction']): Promise<KafkaRecord[]> {
  const { prefix } = await context.kafka();
  return context.events.flatMap((e) => (e.type === 'record' && e.record.direction === direction && e.record.topic === prefix + topic ? [e.record] : []));
}

const noTopic = (name: string) => ({ met: false, detail: `No existe ningún tema \`${name}\` en tu espacio de Kafka.` });

export function topicExists(id: string, name: string): RequirementCheck {
  return {
    id,
    label: `Existe el tema \`${name}\``,
    async evaluate(context) {
      const topic = findTopic(await context.kafka(), name);
      return topic ? { met: true, detail: `El tema \`${name}\` existe (${partitions(topic.partitions.length)}).` } : noTopic(name);
    },
  };
}

export function topicGone(id: string, name: string): RequirementCheck {
  return {
    id,
    label: `El tema \`${name}\` ya no existe`,
    async evaluate(context) {
      const topic = findTopic(await context.kafka(), name);
      return topic ? { met: false, detail: `El tema \`${name}\` sigue existiendo, con ${messages(heldMessages(topic))}.` } : { met: true, detail: `El tema \`${name}\` se borró.` };
    },
  };
}

export function topicHasPartitions(id: string, name: string, wanted: number): RequirementCheck {
  return {
    id,
    label: `El tema \`${name}\` tiene ${partitions(wanted)}`,
    async evaluate(context) {
      const topic = findTopic(await context.kafka(), name);
      if (!topic) return noTopic(name);
      const count = topic.partitions.length;
      return count === wanted
        ? { met: true, detail: `El tema \`${name}\` tiene ${partitions(count)}.` }
        : { met: false, detail: `El tema \`${name}\` tiene ${partitions(count)}; se pedían ${wanted}.` };
    },
  };
}

export function topicHoldsMessages(id: string, name: string, wanted: number): RequirementCheck {
  return {
    id,
    label: `El tema \`${name}\` guarda ${messages(wanted)}`,
    async evaluate(context) {
      const topic = findTopic(await context.kafka(), name);
      if (!topic) return noTopic(name);
      const held = heldMessages(topic);
      return held === wanted
        ? { met: true, detail: `El tema \`${name}\` guarda ${messages(held)}.` }
        : { met: false, detail: `El tema \`${name}\` guarda ${messages(held)}; se pedían ${wanted}.` };
    },
  };
}

/** Every record the program sent to `name` had a key, and each key went to one partition only. */
export function keysStayInOnePartition(id: string, name: string, minKeys: number): RequirementCheck {
  return {
    id,
    label: `Cada clave de \`${name}\` va siempre a la misma partición (al menos ${minKeys} claves distintas)`,
    async evaluate(context) {
      const records = await runRecords(context, name, 'produced');
      if (records.length === 0) return { met: false, detail: `Tu programa no envió ningún mensaje a \`${name}\` en esta ejecución.` };
      const unkeyed = records.filter((r) => r.key === null).length;
      if (unkeyed > 0)
        return { met: false, detail: `${plural(unkeyed, 'mensaje se envió', 'mensajes se enviaron')} sin clave: sin clave, el productor los reparte entre particiones.` };
      const byKey = new Map<string, Set<number>>();
      for (const r of records) byKey.set(r.key!, (byKey.get(r.key!) ?? new Set()).add(r.partition));
      const split = [...byKey].filter(([, set]) => set.size > 1);
      if (split.length > 0) {
        const [key, set] = split[0]!;
        return { met: false, detail: `La clave «${key}» acabó en las particiones ${[...set].sort().join(', ')}: una clave debe ir siempre a la misma.` };
      }
      if (byKey.size < minKeys) return { met: false, detail: `Enviaste ${plural(byKey.size, 'clave distinta', 'claves distintas')}; se pedían al menos ${minKeys}.` };
      const where = [...byKey].map(([key, set]) => `${key} → ${[...set][0]}`).join(', ');
      return { met: true, detail: `${plural(byKey.size, 'clave', 'claves')}, cada una en su partición: ${where}.` };
    },
  };
}

/** The JSON values the program sent to `name`, for exercise-specific requirements. */
export async function producedValues(context: CheckContext, name: string): Promise<unknown[]> {
  return (await runRecords(context, name, 'produced')).map((r) => {
    try {
      return JSON.parse(r.value ?? 'null') as unknown;
    } catch {
      return r.value;
    }
  });
}

/** The program read `wanted` different messages of `name` (by partition and offset). */
export function consumedMessages(id: string, name: string, wanted: number): RequirementCheck {
  return {
    id,
    label: `Tu consumidor lee los ${messages(wanted)} de \`${name}\``,
    async evaluate(context) {
      const records = await runRecords(context, name, 'consumed');
      const distinct = new Set(records.map((r) => `${r.partition}:${r.offset}`)).size;
      return distinct >= wanted
        ? { met: true, detail: `Tu consumidor leyó ${messages(distinct)} de \`${name}\`.` }
        : { met: false, detail: `Tu consumidor leyó ${messages(distinct)} de \`${name}\`; se pedían ${wanted}.` };
    },
  };
}

/** The group committed an offset on every partition of `topic`, and its lag is 0. */
export function groupCaughtUp(id: string, group: string, topic: string): RequirementCheck {
  return {
    id,
    label: `El grupo \`${group}\` confirmó sus offsets en \`${topic}\` y su lag es 0`,
    async evaluate(context) {
      const state = await context.kafka();
      const target = findTopic(state, topic);
      if (!target) return noTopic(topic);
      const found = state.groups.find((g) => g.groupId === group);
      if (!found) return { met: false, detail: `No existe el grupo \`${group}\`: ningún consumidor se unió a él (o no confirmó ningún offset).` };
      const rows = target.partitions.map((p) => found.partitions.find((row) => row.topic === topic && row.partition === p.partition));
      const missing = rows.filter((row) => row?.committed == null).length;
      if (missing > 0) {
        return {
          met: false,
          detail: `El grupo \`${group}\` no tiene offset confirmado en ${partitions(missing)} de \`${topic}\`: sin confirmar, otro consumidor del grupo volvería a leerlo todo.`,
        };
      }
      const lag = rows.reduce((sum, row) => sum + (row?.lag ?? 0), 0);
      return lag === 0
        ? { met: true, detail: `El grupo \`${group}\` está al día en \`${topic}\`: lag 0 en ${partitions(rows.length)}.` }
        : { met: false, detail: `El grupo \`${group}\` tiene un lag de ${messages(lag)} en \`${topic}\`; se pedía 0.` };
    },
  };
}

/** Nobody is left in the group: the consumer disconnected (left the group) when it finished. */
export function groupLeftCleanly(id: string, group: string): RequirementCheck {
  return {
    id,
    label: `Tu consumidor sale del grupo \`${group}\` al terminar`,
    async evaluate(context) {
      const found = (await context.kafka()).groups.find((g) => g.groupId === group);
      if (!found) return { met: false, detail: `No existe el grupo \`${group}\`.` };
      return found.members === 0
        ? { met: true, detail: `El grupo \`${group}\` quedó vacío (estado ${found.state}).` }
        : { met: false, detail: `El grupo \`${group}\` aún tiene ${plural(found.members, 'miembro', 'miembros')}: llama a \`consumer.disconnect()\` al terminar.` };
    },
  };
}
