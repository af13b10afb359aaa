import {
  consumedMessages,
  groupCaughtUp,
  groupLeftCleanly,
  keysStayInOnePartition,
  producedValues,
  topicExists,
  topicGone,
  topicHasPartitions,
  topicHoldsMessages,
} from '../checks/kafka';
import type { ExerciseDefinition } from '../schema';

/** The Kafka course's Retos, by "<course>/<lesson>/<id>" (the `<Reto id>` of the lesson). */
export const KAFKA_EXERCISES: Record<string, ExerciseDefinition> = {
  'kafka/laboratorio/primer-tema': {
    kind: 'kafka-ts',
    setup: { kafka: { deleteTopics: ['saludos'] } },
    requirements: [topicExists('existe', 'saludos'), topicHasPartitions('particiones', 'saludos', 2)],
    starterFails: 'existe',
  },
  'kafka/laboratorio/limpieza': {
    kind: 'kafka-ts',
    setup: {
      kafka: {
        deleteTopics: ['viejo', 'nuevo'],
        createTopics: [{ name: 'viejo', partitions: 1, messages: [{ key: null, value: 'un mensaje antiguo' }] }],
      },
    },
    requirements: [topicGone('borrado', 'viejo'), topicHasPartitions('nuevo', 'nuevo', 3)],
    starterFails: 'borrado',
  },
  'kafka/productor/claves-fieles': {
    kind: 'kafka-ts',
    setup: { kafka: { deleteTopics: ['pedidos'] } },
    requirements: [topicHasPartitions('particiones', 'pedidos', 3), keysStayInOnePartition('claves', 'pedidos', 3), topicHoldsMessages('mensajes', 'pedidos', 9)],
    starterFails: 'particiones',
  },
  'kafka/productor/lote': {
    kind: 'kafka-ts',
    setup: { kafka: { deleteTopics: ['lote'] } },
    requirements: [
      topicHoldsMessages('diez', 'lote', 10),
      {
        id: 'numerados',
        label: 'Los valores son `{"n":0}` … `{"n":9}`, cada uno una vez',
        async evaluate(context) {
          const values = await producedValues(context, 'lote');
          const numbers = values.map((v) => (typeof v === 'object' && v !== null && 'n' in v ? (v as { n: unknown }).n : undefined));
          const missing = Array.from({ length: 10 }, (_, n) => n).filter((n) => !numbers.includes(n));
          const repeated = numbers.filter((n, i) => numbers.indexOf(n) !== i);
          if (values.length === 0) return { met: false, detail: 'Tu programa no envió ningún mensaje a `lote` en esta ejecución.' };
          if (missing.length > 0) return { met: false, detail: `Faltan los números ${missing.join(', ')}.` };
          if (repeated.length > 0) return { met: false, detail: `Se repite el número ${String(repeated[0])}.` };
          return { met: true, detail: 'Llegaron del 0 al 9, cada uno una vez.' };
        },
      },
    ],
    starterFails: 'diez',
  },
  'kafka/consumidor/al-dia': {
    kind: 'kafka-ts',
    setup: {
      kafka: {
        deleteGroups: ['lectores'],
        deleteTopics: ['lecturas'],
        createTopics: [
          {
            name: 'lecturas',
            partitions: 2,
            messages: Array.from({ length: 8 }, (_, i) => ({ key: `sensor-${i % 4}`, value: JSON.stringify({ lectura: i, grados: 18 + i }) })),
          },
        ],
      },
    },
    requirements: [consumedMessages('lee', 'lecturas', 8), groupCaughtUp('al-dia', 'lectores', 'lecturas'), groupLeftCleanly('sale', 'lectores')],
    starterFails: 'al-dia',
  },
  'kafka/consumidor/desde-el-principio': {
    kind: 'kafka-ts',
    setup: {
      kafka: {
        deleteGroups: ['auditoria'],
        deleteTopics: ['historico'],
        createTopics: [{ name: 'historico', partitions: 1, messages: Array.from({ length: 5 }, (_, i) => ({ key: null, value: `evento ${i + 1} de 5` })) }],
      },
    },
    requirements: [consumedMessages('lee-todo', 'historico', 5), groupCaughtUp('confirma', 'auditoria', 'historico')],
    starterFails: 'lee-todo',
  },
};
