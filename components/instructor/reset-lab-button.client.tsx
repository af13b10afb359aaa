'use client';

import { useState, useTransition } from 'react';
import { resetStudentLabAction } from '@/app/profesor/actions';

/** Per-student "Reiniciar laboratorio", with a confirmation and the result read out. */
export function ResetLabButton({ studentId, name }: { studentId: string; name: string }) {
  const [message, setMessage] = useState<string>();
  const [pending, startTransition] = useTransition();
  return (
    <span className="reset-lab">
      <button
        type="button"
        className="button"
        disabled={pending}
        onClick={() => {
          if (!window.confirm(`¿Borrar los temas de Kafka, grupos y DAGs de ${name}? Su código y su avance se conservan.`)) return;
          startTransition(async () => setMessage((await resetStudentLabAction(studentId)).message));
        }}
      >
        Reiniciar laboratorio<span className="visually-hidden"> de {name}</span>
      </button>
      <span role="status" className="reset-lab-status">
        {message}
      </span>
    </span>
  );
}
