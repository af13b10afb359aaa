'use client';

import type { PrerequisiteCheck, RunEvent } from '@/lib/runs/schema';

/** The server's prerequisite table of a shell run (lib/runs/shell/prerequisites.ts). */
export type PrerequisitesView = Extract<RunEvent, { type: 'prerequisites' }>;

const STATE_LABELS: Record<PrerequisiteCheck['state'], { mark: string; text: string }> = {
  met: { mark: '✓', text: 'Se cumple' },
  unmet: { mark: '✗', text: 'No se cumple' },
  unknown: { mark: '?', text: 'No se puede comprobar aquí' },
};

/**
 * A picture of a node's readiness, after the script's output: one row per prerequisite of the
 * article with its state, the values the server measured in the run's sandbox and what to
 * change on a real node. Its note says where the values come from: the lab, not a cluster node.
 */
export function PrerequisitesTable({ table }: { table: PrerequisitesView }) {
  return (
    <section className="prerequisites" aria-label={table.title}>
      <h3 className="prerequisites-title">{table.title}</h3>
      <p className="prerequisites-note">{table.note}</p>
      <table className="prerequisites-table">
        <thead>
          <tr>
            <th scope="col">Requisito</th>
            <th scope="col">Estado</th>
            <th scope="col">Valor medido en el sandbox</th>
            <th scope="col">Qué cambiar en un nodo real</th>
          </tr>
        </thead>
        <tbody>
          {table.checks.map((check) => (
            <tr key={check.id} data-check={check.id}>
              <th scope="row">{check.label}</th>
              <td className={`prerequisite-state prerequisite-${check.state}`}>
                <span aria-hidden="true">{STATE_LABELS[check.state].mark} </span>
                {STATE_LABELS[check.state].text}
              </td>
              <td>{check.value}</td>
              <td>{check.advice}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
