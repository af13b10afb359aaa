"""
Runs one of the lab's Airflow components (`python -m cauce_components <component> [args]`)
with Cauce's changes installed first, then Airflow's own CLI.

- dag-processor: each DAG file is parsed in Cauce's sandbox (cauce_parse.py).
- triggerer: only Airflow's own trigger classes run. A deferring task names its trigger by
  classpath, and a task is student code: a classpath into a student's DAG folder would make the
  triggerer (the Airflow uid, with the lab's keys) import that student's module.
"""

import sys

TRUSTED_TRIGGER_PACKAGES = ("airflow.",)


def restrict_triggers() -> None:
    from airflow.jobs import triggerer_job_runner

    original = triggerer_job_runner.TriggerRunner.get_trigger_by_classpath

    def get_trigger_by_classpath(self, classpath: str):
        if not classpath.startswith(TRUSTED_TRIGGER_PACKAGES):
            raise ImportError(f"Cauce's lab only runs Airflow's own triggers, not {classpath!r}")
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
