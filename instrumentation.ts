/**
 * Runs once when the site's server starts: warm the Airflow worker pool so the first
 * "Ejecutar" on a DAG does not pay Airflow's import time (~5 s).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  try {
    const { warmAirflowPool } = await import('@/lib/runs/airflow-pool');
    warmAirflowPool();
  } catch (error) {
    // The lab may not be prepared (e.g. `next dev` without `npm start`): runs will say so.
    console.warn('[cauce] no se pudo preparar el grupo de workers de Airflow:', (error as Error).message);
  }
}
