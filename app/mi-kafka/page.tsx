import type { Metadata } from 'next';
import { Breadcrumbs } from '@/components/lesson/breadcrumbs';
import { MyKafkaPanel } from '@/components/kafka/my-kafka-panel.client';
import { LabStatusBadge } from '@/components/site/lab-status.client';
import { loadMyKafka } from './actions';

export const metadata: Metadata = {
  title: 'Mi Kafka',
  description: 'Tus temas, particiones, offsets y grupos de consumidores en el laboratorio de Kafka.',
};
export const dynamic = 'force-dynamic';

export default async function MyKafkaPage() {
  const initial = await loadMyKafka();
  return (
    <div className="page-narrow my-kafka-page">
      <div className="lesson-topbar">
        <Breadcrumbs items={[{ label: 'Cursos', href: '/' }, { label: 'Kafka', href: '/cursos/kafka' }, { label: 'Mi Kafka' }]} />
        <LabStatusBadge services={['kafka']} />
      </div>
      <h1>Mi Kafka</h1>
      <p className="lead">
        Tus temas y grupos de consumidores en el laboratorio, fuera de cualquier ejecución: las particiones con sus offsets y últimos mensajes, y cuánto le falta leer a cada grupo
        (lo mismo que muestra <code>kafka-consumer-groups.sh --describe</code>).
      </p>
      <MyKafkaPanel initial={initial} />
    </div>
  );
}
