/**
 * Runs once when the site's server starts: prepares course mode (database, first instructor
 * password), marks the runs a killed predecessor left unfinished as interrupted, loads the
 * TypeScript transpiler, warms the Airflow worker pool so the first
 * "Ejecutar" on a DAG does not pay Airflow's import time (~5 s), and starts the task launcher
 * that runs the lab scheduler's tasks in the sandbox.
 */
export async function register() {
  // Next's own variable, read raw: this runs in the edge runtime too, where lib/env.ts (node:os) cannot load.
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  try {
    // Course mode: database migrated and instructor account ready before the first request.
    const { prepareCourseMode } = await import('@/lib/auth/first-start');
    await prepareCourseMode();
  } catch (error) {
    console.error('[cauce] no se pudo preparar el modo curso:', (error as Error).message);
  }
  try {
    // Runs the previous server left going (it was killed or crashed) will never end: say so in the records.
    const { markRunsInterruptedByLastServer } = await import('@/lib/runs/record');
    await markRunsInterruptedByLastServer();
  } catch (error) {
    console.warn('[cauce] no se pudieron revisar las ejecuciones del arranque anterior:', (error as Error).message);
  }
  try {
    // Every run is checked against the lessons' examples: build that index now, not on the first "Ejecutar".
    const { runnableIndex } = await import('@/lib/content/runnables');
    runnableIndex().catch((error: Error) => console.warn('[cauce] índice de ejemplos:', error.message));
  } catch (error) {
    console.warn('[cauce] no se pudo preparar el índice de ejemplos:', (error as Error).message);
  }
  try {
    // Kafka's tenant admin is a JVM (~1-3 s to start): start it now, not on a student's first run.
    const { kafkaTenants } = await import('@/lib/lab/kafka-tenants');
    kafkaTenants()
      ?.warm()
      .catch((error: Error) => console.warn('[cauce] administrador de Kafka:', error.message));
  } catch (error) {
    console.warn('[cauce] no se pudo preparar el administrador de Kafka:', (error as Error).message);
  }
  try {
    // kafka-ts: TypeScript's transpiler loaded and exercised before the first click.
    const { warmKafkaTsRuns } = await import('@/lib/runs/kafka-ts');
    warmKafkaTsRuns();
  } catch (error) {
    console.warn('[cauce] no se pudieron preparar las ejecuciones de Kafka:', (error as Error).message);
  }
  try {
    const { warmAirflowPool } = await import('@/lib/runs/airflow/pool');
    warmAirflowPool();
  } catch (error) {
    // The lab may not be prepared (e.g. `next dev` without `npm start`): runs will say so.
    console.warn('[cauce] no se pudo preparar el grupo de workers de Airflow:', (error as Error).message);
  }
  try {
    // "Enviar al scheduler": the lab's executor hands every task to this server, which runs it
    // in the sandbox (as root, each task as its own uid). Only with the embedded Airflow.
    const { startTaskLauncherFromEnv } = await import('@/lib/runs/airflow/tasks/launcher');
    await startTaskLauncherFromEnv();
  } catch (error) {
    console.warn('[cauce] no se pudo arrancar el lanzador de tareas de Airflow (las tareas enviadas al scheduler fallarán):', (error as Error).message);
  }
}
