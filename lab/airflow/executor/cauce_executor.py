"""
Cauce's executor for the lab's Airflow: LocalExecutor's queue and worker processes, but no
task ever runs inside them.

LocalExecutor runs each task in its own worker processes, as the Airflow uid, with the lab's
keys (JWT secret, API secret key, Fernet key) in the environment and every student's DAG
folder readable. A task needs none of that: in Airflow 3 it needs only its workload (with a
per-task token) and the Execution API. So each worker hands the workload's JSON to Cauce's
task launcher (lib/runs/airflow/tasks/launcher.ts, root, in the site's server) over a Unix
socket and waits for the exit code; the launcher runs the task in the project's one sandbox
builder as an unprivileged per-run uid, with only that student's DAG folder and the API.

Configured by lab/airflow/server.ts: AIRFLOW__CORE__EXECUTOR=cauce_executor.CauceSandboxExecutor,
this folder on PYTHONPATH, CAUCE_TASK_LAUNCHER_SOCKET naming the socket.

Protocol (one connection per workload): we send the workload's JSON and one newline; the
launcher answers one JSON line, {"exitCode": n} or {"error": "..."}.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import time

import structlog

from airflow.executors.local_executor import LocalExecutor, _get_executor_process_title_prefix

SOCKET_ENV = "CAUCE_TASK_LAUNCHER_SOCKET"
# The site (which runs the launcher) may start a little after Airflow, or restart.
CONNECT_PATIENCE_S = 30.0
# The launcher's answers are one short line.
MAX_ANSWER_BYTES = 64 * 1024


class TaskLauncherError(Exception):
    """The task could not be run in the sandbox: the workload fails (as LocalExecutor on exceptions)."""


def _connect(path: str) -> socket.socket:
    deadline = time.monotonic() + CONNECT_PATIENCE_S
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError as error:
            sock.close()
            if time.monotonic() > deadline:
                raise TaskLauncherError(
                    f"Cauce's task launcher is not reachable at {path} ({error}); "
                    "it runs inside the site's server: is the site running?"
                ) from error
            time.sleep(0.5)


def read_answer(sock: socket.socket) -> dict:
    """
    One JSON line from the launcher ({} when it closed without one), read up to its newline:
    for a task, its only answer; for a parse (cauce_parse.py), each line of the control connection.
    """
    answer = b""
    while not answer.endswith(b"\n"):
        # A byte at a time: the answers are a few dozen bytes, and a control connection's next
        # line ({"exitCode": n} after {"started": true}) must stay unread, not be dropped.
        chunk = sock.recv(1)
        if not chunk:
            break
        answer += chunk
        if len(answer) > MAX_ANSWER_BYTES:
            raise TaskLauncherError("the task launcher's answer is too long")
    try:
        return json.loads(answer.split(b"\n", 1)[0] or b"{}")
    except ValueError as error:
        raise TaskLauncherError(f"unreadable answer from the task launcher: {answer[:200]!r}") from error


def launch_in_sandbox(workload_json: str) -> int:
    """Sends one workload to the launcher and returns the sandbox's exit code."""
    path = os.environ.get(SOCKET_ENV)
    if not path:
        raise TaskLauncherError(f"{SOCKET_ENV} is not set: tasks only run in Cauce's sandbox")
    with _connect(path) as sock:
        sock.sendall(workload_json.encode("utf-8") + b"\n")
        sock.shutdown(socket.SHUT_WR)
        reply = read_answer(sock)
    if "error" in reply:
        raise TaskLauncherError(f"the task launcher refused the task: {reply['error']}")
    if not isinstance(reply.get("exitCode"), int):
        raise TaskLauncherError("the task launcher closed the connection without an exit code")
    return reply["exitCode"]


def _die_with_scheduler() -> None:
    """A worker ignores SIGTERM and SIGINT: without this, a SIGKILLed scheduler left it idling
    forever, reparented to init (three were found 1 h 38 min old). The scheduler's main loop
    spawns workers, so the forking thread lives as long as the scheduler does."""
    import ctypes

    parent = multiprocessing.parent_process().pid  # recorded at fork, before anything could die
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the scheduler died before the line above
        os._exit(1)


def _run_sandboxed_worker(logger_name, input, output, unread_messages, team_conf):
    """LocalExecutor's _run_worker, with run_workload replaced by the launcher."""
    from airflow.executors.workloads import ExecuteTask

    # Ignore Ctrl-C here, as LocalExecutor does: running tasks finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_scheduler()
    log = structlog.get_logger(logger_name)
    log.info("Cauce sandbox worker starting up pid=%d", os.getpid())
    try:
        from setproctitle import setproctitle
    except ImportError:  # pragma: no cover
        setproctitle = lambda title: None  # noqa: E731
    prefix = _get_executor_process_title_prefix(team_conf.team_name)

    while True:
        setproctitle(f"{prefix} <idle>")
        try:
            workload = input.get()
        except EOFError:
            log.info("Task queue closed. Terminating worker %s.", multiprocessing.current_process().name)
            break
        if workload is None:
            return
        with unread_messages:
            unread_messages.value -= 1
        if workload.running_state is not None:
            output.put((workload.key, workload.running_state, None))
        try:
            if not isinstance(workload, ExecuteTask):
                # Callbacks import code from DAG files too; connection tests carry secrets.
                # Neither has a sandbox here, so neither runs.
                raise TaskLauncherError(
                    f"{type(workload).__name__} workloads are not run by Cauce's lab (only sandboxed tasks)"
                )
            setproctitle(f"{prefix} {workload.display_name} (sandbox)")
            exit_code = launch_in_sandbox(workload.model_dump_json())
            if exit_code != 0:
                raise TaskLauncherError(f"the task's sandbox exited with code {exit_code}")
            output.put((workload.key, workload.success_state, None))
        except Exception as error:
            log.exception("Workload execution failed.", workload_type=type(workload).__name__)
            output.put((workload.key, workload.failure_state, error))


class CauceSandboxExecutor(LocalExecutor):
    """LocalExecutor whose workers run each task in Cauce's sandbox instead of in-process."""

    # Tasks write their logs where the api-server reads them; no log server is needed.
    serve_logs = False

    def _spawn_worker(self):
        process = multiprocessing.Process(
            target=_run_sandboxed_worker,
            kwargs={
                "logger_name": self.log.name,
                "input": self.activity_queue,
                "output": self.result_queue,
                "unread_messages": self._unread_messages,
                "team_conf": self.conf,
            },
        )
        process.start()
        self.workers[process.pid] = process
