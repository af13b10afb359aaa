/**
 * Every uid a sandbox runs as, in one table. Ranges must never overlap: a slot's lock and
 * RLIMIT_NPROC are per uid and machine-wide, so two owners of one uid would share one process
 * budget and reap each other's processes. Each server range holds up to {@link MAX_SLOTS_PER_RANGE}
 * slots (runCapacity's cap); tests and benchmarks take theirs from {@link TEST_UIDS}, away from
 * every server range, so a running site never meets them. lib/sandbox/uids.spec.ts checks it.
 */
export const MAX_SLOTS_PER_RANGE = 64;

/** First uid of each range a running site (and its lab) uses. */
export const SANDBOX_UIDS = Object.freeze({
  /** kafka-ts runs, warm and cold. */
  kafkaTs: 61_000,
  /** Warm DAG workers for «Ejecutar» on a DAG. */
  dagWorkers: 61_200,
  /** «Enviar al scheduler»: each task try of the lab's Airflow. */
  airflowTasks: 61_500,
  /** «Enviar al scheduler»: each sandboxed parse of a sent DAG file. */
  airflowParse: 61_520,
  /** The lab's Airflow itself, when started by root (not a slot: one uid). */
  airflow: 61_900,
  /** The lab's Spark Connect server, when started by root (not a slot: one uid). */
  spark: 61_910,
  /** shell runs (the Hadoop course). */
  shell: 62_000,
  /** kafka-py runs. */
  kafkaPy: 62_200,
  /** pyspark runs (Spark Connect clients). */
  pyspark: 62_600,
});

/** First uid of the ranges that specs and benchmarks use (each spec takes an offset in its range). */
export const TEST_UIDS = Object.freeze({
  /** lib/sandbox specs: 61100–61199. */
  sandbox: 61_100,
  /** Airflow specs and bench:dags: 61300–61499. */
  airflow: 61_300,
  /** lib/retos/walk.spec.ts. */
  retos: 61_600,
  /** bench:examples. */
  benchExamples: 61_700,
  /** shell specs: 62100–62199. */
  shell: 62_100,
  /** kafka-py specs: 62300–62399. */
  kafkaPy: 62_300,
  /** Hadoop client specs: 62400–62499. */
  hadoop: 62_400,
  /** pyspark specs and bench:spark: 62700–62799. */
  pyspark: 62_700,
});
