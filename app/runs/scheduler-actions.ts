'use server';

import { z } from 'zod';
import { currentUser } from '@/lib/auth/current';
import { JOIN_FIRST, labIdentity } from '@/lib/auth/run-options';
import { SchedulerError } from '@/lib/lab/airflow-api';
import { pollDagRun, sendToScheduler, studentNamespace } from '@/lib/runs/airflow/scheduler';
import { RunRequest } from '@/lib/runs/schema';
import { refuseUnknownTarget } from '@/lib/runs/target';

export type SendResult = { ok: true; dagId: string; dagRunId: string; url: string } | { ok: false; message: string };
export type PollResult = { ok: true; state: string; ended: boolean; tasks: { taskId: string; state: string | null }[] } | { ok: false; message: string };

function spanish(error: unknown): string {
  if (error instanceof SchedulerError) return error.message;
  console.error('[scheduler]', error);
  return 'No se pudo hablar con Airflow. Comprueba su estado arriba e inténtalo de nuevo.';
}

/** "Enviar al scheduler": the DAG goes to the real Airflow, unpaused and triggered. */
export async function sendDagToScheduler(input: unknown): Promise<SendResult> {
  const parsed = RunRequest.safeParse(input);
  if (!parsed.success || parsed.data.kind !== 'airflow-dag') return { ok: false, message: 'La petición no es un DAG válido.' };
  const refused = await refuseUnknownTarget(parsed.data);
  if (refused) return { ok: false, message: refused.message };
  // The DAG namespace is the session's user (studying alone: the default student).
  const user = await currentUser();
  if (!user) return { ok: false, message: JOIN_FIRST };
  // Every student may send: the file is parsed in the sandbox (lab/airflow/executor/
  // cauce_parse.py) and each task runs there too (lib/runs/airflow/tasks/), as the student's
  // own uid with only their folder and the Execution API in reach; never in Airflow's processes.
  try {
    return { ok: true, ...(await sendToScheduler({ student: labIdentity(user), files: parsed.data.files })) };
  } catch (error) {
    return { ok: false, message: spanish(error) };
  }
}

const PollInput = z.strictObject({ dagId: z.string().min(1).max(250), dagRunId: z.string().min(1).max(250) });

/** The state of a DAG run sent above, with its tasks. */
export async function dagRunState(input: unknown): Promise<PollResult> {
  const parsed = PollInput.safeParse(input);
  const user = await currentUser();
  // Only DAGs in the asking user's own namespace: another student's DAG id is "unknown".
  if (!parsed.success || !user || !parsed.data.dagId.startsWith(`${studentNamespace(labIdentity(user))}__`)) {
    return { ok: false, message: 'Ejecución desconocida.' };
  }
  try {
    return { ok: true, ...(await pollDagRun(parsed.data.dagId, parsed.data.dagRunId)) };
  } catch (error) {
    return { ok: false, message: spanish(error) };
  }
}
