"""
Runs one of the lab's Airflow components (`python -m cauce_components <component> [args]`)
with Cauce's changes installed first, then Airflow's own CLI.

- dag-processor: each DAG file is parsed in Cauce's sandbox (cauce_parse.py).
- triggerer: only the triggers on TRUSTED_TRIGGERS run. A deferring task is student code and
  names its trigger by classpath; the triggerer (the Airflow uid, with the lab's keys, outside
  any sandbox) imports that classpath and calls it with the task's kwargs. `os.system` with
  {"command": ...} would be a shell; `airflow.utils.process_utils.execute_in_subprocess` too;
  Airflow's own triggers read other DAGs' states (external_task) or the lab's files (file). The
  lab's lessons only wait for time.
"""

import sys

TRUSTED_TRIGGERS = frozenset(
    {
        "airflow.providers.standard.triggers.temporal.DateTimeTrigger",
        "airflow.providers.standard.triggers.temporal.TimeDeltaTrigger",
    }
)


def restrict_triggers() -> None:
    from airflow.jobs import triggerer_job_runner

    original = triggerer_job_runner.TriggerRunner.get_trigger_by_classpath

    def get_trigger_by_classpath(self, classpath: str):
        # Checked before anything is imported: importing is already running code.
        if classpath not in TRUSTED_TRIGGERS:
            raise ImportError(f"Cauce's lab only runs its trusted triggers (time waits), not {classpath!r}")
        return original(self, classpath)

    triggerer_job_runner.TriggerRunner.get_trigger_by_classpath = get_trigger_by_classpath


def main() -> None:
    component = sys.argv[1] if len(sys.argv) > 1 else ""
    if component == "dag-processor":
        import cauce_parse

        cauce_parse.install()
    elif component == "triggerer":
        restrict_triggers()
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *sys.argv[1:]]
    sys.exit(airflow_main())


if __name__ == "__main__":
    main()
