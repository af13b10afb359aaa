"""
Cauce's warm DAG worker: one sandboxed Python process that serves student DAGs one at a time.

Lifecycle (driven by lib/runs/airflow/pool.ts and worker.ts):
  1. starts inside bubblewrap with a private /tmp, copies the pre-migrated template
     metadata DB there, imports Airflow and runs a tiny built-in DAG once through the very
     path a student's DAG takes, so that every import, the ORM and the in-process Execution
     API are already warm; then moves the metadata DB into this process's memory;
  2. says {"event": "ready"} and becomes a zygote (cauce_zygote.py): for each JSON job on
     stdin, {"files": [...]}, it forks a job process from this warm state;
  3. the job process writes the files to /tmp/dags, parses them in a child, reports the DAG's
     structure and runs it like `dag.test()` does, each task try in its own child (independent
     tries at once, up to CAUCE_PARALLEL_TASKS: see TaskTries), streaming
     task states, task logs and XCom values, says {"event": "result", ...} and exits;
  4. the zygote says {"event": "jobExit"}, kills whatever the job left running, puts /tmp
     back as the warm-up left it and says "ready" again. The pool replaces the sandbox only
     when a run was killed from outside or the zygote could not clean up.

Trust inside the sandbox (issue 8, "forgeable results"): this process (the zygote and its job
process) is the only one that can speak the protocol, and it never runs student code. It is
not dumpable (a same-uid child can neither ptrace it nor open /proc/<pid>/fd or /proc/<pid>/mem),
the protocol is a private fd no child keeps, and the metadata DB lives in its memory only (the
job process's copy of it is gone with the job). A task can kill its own job process (same uid),
which ends only that student's run; the zygote, pid 1, ignores signals from inside the sandbox. Student code runs
in forked children that drop every inherited fd before it runs:
  - the parse child imports the files (DagBag) and returns the serialized DAGs and import
    errors over its own pipe; this process validates them (size, JSON schema) and only
    deserializes them, as Airflow's scheduler does with what its dag processor sends;
  - each task try is Airflow's own executor path (ActivitySubprocess: the child re-parses the
    DAG file and runs the task; this side talks to the in-process Execution API for it), so a
    child can only lie about its own task, which its code decides anyway.
Task states and the DAG's result are read from the metadata DB here, never from a child.

Protocol: one JSON object per line on the ORIGINAL stdout (kept as a private fd). This
process's own fds 1 and 2 are a pipe read by a thread and dropped (Airflow's bookkeeping);
what a child prints reaches us over that child's own pipes and becomes "log" events of its
task (or "output" at parse time). Messages for students are Spanish; identifiers English.
"""

import gc
import json
import os
import re
import selectors
import stat
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))  # -I leaves the script's folder out
import cauce_zygote  # noqa: E402 - beside this file, in the read-only worker folder

SCRATCH_DIR = os.environ.get("CAUCE_SCRATCH_DIR", "/tmp")  # the sandbox's one writable folder
DAGS_DIR = os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", "/tmp/dags")
AIRFLOW_HOME = os.environ.get("AIRFLOW_HOME", "/tmp/airflow")
DB_PATH = os.path.join(AIRFLOW_HOME, "airflow.db")
TEMPLATE_DIR = os.environ.get("CAUCE_TEMPLATE_DIR", "/opt/cauce/template")
RUN_DIR = os.environ.get("CAUCE_RUN_DIR", "/tmp/run")
MAX_TASKS = int(os.environ.get("CAUCE_MAX_TASKS", "100"))
# Task tries of one run that may be running at once (lib/limits.ts, MAX_PARALLEL_DAG_TASKS).
PARALLEL_TASKS = max(1, int(os.environ.get("CAUCE_PARALLEL_TASKS", "4")))
DEFAULT_POOL = "default_pool"
MAX_VALUE_CHARS = 2000
MAX_LISTED_FILES = 50
# What a parse child may send back: serialized DAGs of at most MAX_TASKS tasks are far smaller.
MAX_PARSE_RESULT_BYTES = 16 * 1024 * 1024
MAX_DAGS = 20
MAX_LINE_CHARS = 4000
SPARE_ACK_TIMEOUT_S = 10  # a spare answers at once; only a machine frozen for seconds would wait
BUNDLE = "dags-folder"
LAB_LACKS_EVENT = "cauce.lab_lacks"

# ---------------------------------------------------------------- protocol channel

_proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
_proto_lock = threading.Lock()
_muted = False  # the warm-up's built-in DAG reports nothing


def send(event, **fields):
    if _muted:
        return
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)
    with _proto_lock:
        _proto.write(line + "\n")
        _proto.flush()


def make_nondumpable():
    """
    PR_SET_DUMPABLE 0: a same-uid process may no longer ptrace this one, nor open its
    /proc/<pid>/{fd,mem,environ}. Forked children inherit the flag; it only protects them
    from each other. Airflow's supervisor does the same (_make_process_nondumpable).
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    if libc.prctl(3, 0, 0, 0, 0) != 0:  # PR_GET_DUMPABLE
        raise OSError("the process is still dumpable")


# ---------------------------------------------------------------- this process's own output

class Capture:
    """
    Fds 1/2 of this process are a pipe read by a thread: Airflow's own bookkeeping goes
    nowhere (the last lines are kept to explain a failed warm-up). Students' output never
    comes this way: children get their own pipes.
    """

    def __init__(self):
        self.warm_tail = []
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", encoding="utf-8", buffering=1, closefd=False)
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self._reader:
            self.warm_tail = (self.warm_tail + [raw.rstrip("\n")[:500]])[-40:]


class LineFilter:
    """Turns a child's output lines into what a student reads: Airflow's noise dropped, paths shortened."""

    # structlog's console format: "2026-…Z [info     ] message [logger.name] key=value…"
    STRUCTLOG = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z? \[(\w+)\s*\] (.*)$")
    LOGGER_TAIL = re.compile(r"^(.*)\s\[([\w.]+)\](?:\s+\w+=.*)?$")
    # Airflow's own bookkeeping, meaningless to a student reading a task log.
    NOISY_LOGGERS = (
        "airflow.api_fastapi", "airflow.sdk.definitions.dag", "airflow.models", "airflow.serialization",
        "airflow.dag_processing", "airflow.jobs", "py.warnings", "alembic", "airflow.utils",
        "airflow.sdk.execution_time.supervisor", "airflow.settings", "airflow.sdk.execution_time.task_runner",
    )
    NOISY_MESSAGES = ("[DAG TEST]", "Task started", "Task instance state updated", "Filling up the DagBag", "Secrets backends loaded")
    # Lines that continue a dropped log record (its traceback), not new output.
    CONTINUATION = re.compile(r"^(Traceback |  File \"|    |During handling|The above exception|[\w.]+(Error|Exception)\b)")

    def __init__(self):
        self.dropping = False

    def noisy(self, logger, message):
        return logger.startswith(self.NOISY_LOGGERS) or message.startswith("::") or message.startswith(self.NOISY_MESSAGES)

    def clean(self, line):
        line = line[:MAX_LINE_CHARS]
        match = self.STRUCTLOG.match(line)
        if not match:
            if self.dropping and self.CONTINUATION.match(line):
                return None
            return line.replace(DAGS_DIR + "/", "")
        self.dropping = False
        level, rest = match.group(1), match.group(2)
        tail = self.LOGGER_TAIL.match(rest)
        message, logger = (tail.group(1), tail.group(2)) if tail else (rest, "")
        if self.noisy(logger, message):
            self.dropping = True
            return None
        return f"[{level}] {message.rstrip()}".replace(DAGS_DIR + "/", "")


class TaskLog:
    """
    The log of one task try, fed by the supervisor with what its child printed and logged.
    Everything here is attributed to the task this process started: a child cannot speak
    for another task.
    """

    def __init__(self, job, task_id):
        self.job = job
        self.task_id = task_id
        self.filter = LineFilter()
        self.tb = None  # lines of a traceback being collected
        self.lab_lacks = None

    # structlog processor: every record the supervisor forwards ends here, then is dropped.
    def __call__(self, _logger, method, event):
        import structlog

        try:
            self.record(method, event)
        except Exception:  # a log line we cannot show must not break the run
            pass
        raise structlog.DropEvent

    def record(self, method, event):
        logger = str(event.get("logger") or "")
        message = str(event.get("event") or "")
        if logger in ("task.stdout", "task.stderr"):
            return self.line(message)
        if message == LAB_LACKS_EVENT:
            text = event.get("message")
            if isinstance(text, str):
                self.lab_lacks = text[:MAX_LINE_CHARS]
            return None
        level = str(event.get("level") or method or "info")
        if level == "log":
            level = "info"
        if self.filter.noisy(logger, message):
            return None
        for part in message.splitlines() or [""]:
            self.job.send_log(self.task_id, f"[{level}] {part}".replace(DAGS_DIR + "/", "")[:MAX_LINE_CHARS])
        detail = event.get("error_detail")
        if isinstance(detail, list):
            for tb_line in render_exception(detail).splitlines():
                self.line(tb_line)

    def line(self, line):
        if not line.strip():
            return
        if self.traceback(line):
            return
        text = self.filter.clean(line)
        if text is not None:
            self.job.send_log(self.task_id, text)

    def traceback(self, line):
        """
        Collects a traceback and emits it trimmed to the student's frames, plus a diagnostic
        at the deepest student line. True when the line was consumed.
        """
        if self.tb is None:
            if line.strip() != "Traceback (most recent call last):":
                return False
            self.tb = [line]
            return True
        self.tb.append(line)
        if len(self.tb) < 400 and (line.startswith((" ", "Traceback")) or not line.strip() or line.startswith(("During handling", "The above exception"))):
            return True
        lines, self.tb = self.tb, None
        text = "\n".join(lines)
        names = self.job.names
        for out in trim_traceback(text, names).splitlines():
            self.job.send_log(self.task_id, out)
        frames = student_frames(text, names)
        if frames:
            file, number = frames[-1]
            error = line.strip()[:MAX_LINE_CHARS]
            self.job.diagnostic("exception", f"La tarea «{self.task_id}» falló en {file}, línea {number}: {error}", file, number)
        return True

    def flush(self):
        if self.tb:
            self.tb.append("")  # an unterminated traceback still gets shown
            lines, self.tb = self.tb, None
            for line in lines[1:]:
                self.job.send_log(self.task_id, line.replace(DAGS_DIR + "/", "")[:MAX_LINE_CHARS])


def render_exception(stack):
    """structlog's dict traceback (what a child sends over its log channel) as Python prints it."""
    blocks = []
    for item in reversed(stack[:10]):  # the cause first, the exception raised last
        if not isinstance(item, dict):
            continue
        lines = ["Traceback (most recent call last):"]
        for frame in (item.get("frames") or [])[:100]:
            if isinstance(frame, dict):
                lines.append(f'  File "{frame.get("filename")}", line {frame.get("lineno")}, in {frame.get("name")}')
        lines.append(f"{item.get('exc_type')}: {item.get('exc_value')}")
        blocks.append("\n".join(lines))
    return "\n\nThe above exception was the direct cause of the following exception:\n\n".join(blocks)


# ---------------------------------------------------------------- children

def _dev_null_over(fds):
    """Points each fd at /dev/null (not close: a stale Python object then writes nowhere, not into a reused fd)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd != null:
            try:
                os.dup2(null, fd)
            except OSError:
                pass
    os.close(null)


def open_fds():
    return {int(name) for name in os.listdir("/proc/self/fd")}


def drop_inherited_fds(keep):
    """In a fresh child, before any student code: every fd but `keep` is gone (the protocol fd first)."""
    os.close(_proto.fileno())  # the one that matters most, whatever happens below
    _dev_null_over(sorted(open_fds() - set(keep)))


def task_child_main():
    """
    Target of a task child (after Airflow's _fork_main wired fds 0-2 and the log channel):
    drops what it inherited from this process, then runs Airflow's task runner.
    """
    inherited = _PARENT_FDS
    # Sockets created for this child by ActivitySubprocess.start (requests, stdout, stderr,
    # logs) are the only ones to keep; every fd this process had before is dropped.
    keep = {0, 1, 2}
    for fd in open_fds() - inherited:
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                keep.add(fd)
        except OSError:
            pass
    drop_inherited_fds(keep)
    from airflow.sdk.execution_time import task_runner

    original_finalize = task_runner.finalize

    def finalize(ti, state, context, log, error=None):
        # The exception object lives here: say what the lab lacks, if that is why it failed.
        if error is not None:
            try:
                message = lab_lacks(ti.task_id, ti.task, error)
                if message:
                    log.warning(LAB_LACKS_EVENT, message=message)
            except Exception:
                pass
        return original_finalize(ti, state, context, log, error)

    task_runner.finalize = finalize
    task_runner.main()


_PARENT_FDS = set()


def drain_output(proc):
    """Reads what a task child has already written to its output sockets.

    Garbage on its request socket ends the supervisor's loop at once, while lines the child
    printed just before may still sit unread beside it: the student must still see them.
    """
    for key in list(proc.selector.get_map().values()):
        if proc._open_sockets.get(key.fileobj) == "requests":
            continue
        handler, _on_close = key.data
        try:
            key.fileobj.setblocking(False)
            while handler(key.fileobj):
                pass
        except Exception:  # noqa: BLE001 - drained (EAGAIN), closed, or garbage the child wrote there
            pass


def fork_child(body, keep_fds):
    """Forks a child that runs body() with only keep_fds (dup'd onto 0.. by the caller) and exits."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()
            code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    return pid


def read_child(pid, result_fd, out_fd, on_line, limit):
    """
    Reads a child's result pipe and output pipe until the child has exited. A grandchild
    that keeps the pipes open does not hold us: once the child is gone, what is there is
    read and the pipes are closed. Returns (result bytes or None if too big, exit status).
    """
    selector = selectors.DefaultSelector()
    for fd in (result_fd, out_fd):
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    result, pending, status, too_big = bytearray(), b"", None, False
    open_fds_left = {result_fd, out_fd}
    try:
        while True:
            for key, _ in selector.select(0.05):
                fd = key.fd
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    open_fds_left.discard(fd)
                    continue
                if fd == result_fd:
                    result += chunk
                    if len(result) > limit:
                        too_big = True
                        os.kill(pid, 9)
                        selector.unregister(fd)
                        open_fds_left.discard(fd)
                else:
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        on_line(line.decode("utf-8", "replace"))
            if status is None:
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = raw
            if status is not None and (not open_fds_left or not selector.select(0)):
                break
    finally:
        selector.close()
        os.close(result_fd)
        os.close(out_fd)
    if pending:
        on_line(pending.decode("utf-8", "replace"))
    return (None if too_big else bytes(result)), status


def in_child(work, on_line, limit):
    """
    Runs work() (student code) in a forked child without our fds: its stdout/stderr go to a
    pipe fed to on_line, its return value comes back as JSON over another pipe.
    """
    result_r, result_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.dup2(out_w, 1)
            os.dup2(out_w, 2)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            drop_inherited_fds({0, 1, 2, result_w})
            try:
                value = work()
            except BaseException as error:  # SystemExit at import time, a crash in the bag
                value = {"exception": "".join(traceback.format_exception(error))[-20000:]}
            data = json.dumps(value, default=str).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(result_w, view):]
            code = 0
        except BaseException:
            pass
        finally:
            os._exit(code)
    os.close(result_w)
    os.close(out_w)
    return read_child(pid, result_r, out_r, on_line, limit)


# ---------------------------------------------------------------- environment

def prepare_home():
    """Private, writable copies of the template metadata DB and config, before airflow is imported."""
    import shutil

    os.makedirs(AIRFLOW_HOME, exist_ok=True)
    os.makedirs(DAGS_DIR, exist_ok=True)
    os.makedirs(RUN_DIR, exist_ok=True)
    source = os.path.join(TEMPLATE_DIR, "airflow.db")
    if os.path.exists(source):
        shutil.copyfile(source, DB_PATH)
    if DAGS_DIR not in sys.path:
        sys.path.insert(0, DAGS_DIR)
    # No network: pip and uv (PythonVirtualenvOperator) fail at once instead of retrying a
    # mirror they can never reach; the task's diagnostic then says why (lab_lacks).
    os.environ.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", UV_OFFLINE="1")


def move_db_into_memory():
    """
    After the warm-up, the metadata DB moves into this process's memory (SQLite's backup API
    into one in-memory connection shared by a StaticPool engine) and the file is deleted: a
    child finds no DB to UPDATE, and its forked copy of our memory is its own.
    """
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.orm import scoped_session, sessionmaker
    from sqlalchemy.pool import StaticPool

    from airflow import settings
    from airflow.utils.orm_event_handlers import setup_event_handlers

    memory = sqlite3.connect(":memory:", check_same_thread=False)
    settings.Session.remove()
    settings.engine.dispose()
    source = sqlite3.connect(DB_PATH)
    try:
        source.backup(memory)
    finally:
        source.close()
    # One connection for every session and thread (the Execution API answers from its own
    # thread while the caller waits): check_same_thread off above.
    engine = create_engine("sqlite://", creator=lambda: memory, poolclass=StaticPool)
    setup_event_handlers(engine)
    settings.engine = engine
    settings.NonScopedSession = sessionmaker(engine, autocommit=False, autoflush=False, expire_on_commit=False)
    settings.Session = scoped_session(settings.NonScopedSession)
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.remove(DB_PATH + suffix)
        except FileNotFoundError:
            pass


# Library modules lesson DAGs import (the standard provider's operators, decorators, sensors and
# what they pull in): imported once here, before the warm-up, so that neither the parse child
# nor every task child pays ~20 ms of CPU importing them again (a child's imports die with it).
# Trusted code, the same for every run; the deprecated airflow.operators.* shims are left out
# so that their warning still reaches a student who uses them.
PRELOADED_MODULES = (
    "airflow.providers.standard.operators.empty",
    "airflow.providers.standard.operators.python",
    "airflow.providers.standard.operators.bash",
    "airflow.providers.standard.operators.branch",
    "airflow.providers.standard.operators.latest_only",
    "airflow.providers.standard.operators.trigger_dagrun",
    "airflow.providers.standard.decorators.python",
    "airflow.providers.standard.decorators.bash",
    "airflow.providers.standard.decorators.branch_python",
    "airflow.providers.standard.decorators.short_circuit",
    "airflow.providers.standard.decorators.sensor",
    "airflow.providers.standard.sensors.bash",
    "airflow.providers.standard.sensors.python",
    "airflow.providers.standard.sensors.time_delta",
    "airflow.providers.standard.sensors.filesystem",
    "airflow.providers.standard.sensors.external_task",
    "airflow.providers.standard.exceptions",
    "airflow.providers.standard.hooks.subprocess",
    "airflow.providers.standard.hooks.package_index",
    "airflow.providers.standard.utils.python_virtualenv",
    "airflow.sdk.bases.branch",
    "airflow.sdk.bases.decorator",
    "airflow.sdk.bases.hook",
    "airflow.sdk.bases.sensor",
    "airflow.sdk.definitions.decorators",
    "airflow.sdk.definitions.decorators.condition",
    "airflow.sdk.definitions.decorators.setup_teardown",
    "airflow.sdk.definitions.decorators.task_group",
    "airflow.sdk.definitions.asset.metadata",
    "airflow.version",
    "jinja2.ext",
    "packaging.requirements",
)


def preload_modules():
    import importlib

    for name in PRELOADED_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # an optional module this install lacks: its children import it as before
            pass


WARMUP_DAG = '''
from datetime import datetime
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

with DAG(dag_id="cauce_warmup", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="a") >> PythonOperator(task_id="b", python_callable=lambda: 1)
'''


def warm_up():
    """Runs a built-in DAG once, through the student's path, so that a run pays for nothing but itself."""
    global _muted
    path = os.path.join(DAGS_DIR, "cauce_warmup.py")
    _muted = True
    try:
        job = Job([{"name": "cauce_warmup.py", "content": WARMUP_DAG}])
        job.run()
        if job.final != "success":
            raise RuntimeError(f"the warm-up DAG ended {job.final}")
    finally:
        _muted = False
        os.remove(path)
        sys.modules.pop("cauce_warmup", None)


def cli_logical_date():
    """What `airflow dags test <dag>` passes without a date: now. Templates see {{ ds }}, as at home."""
    from airflow.utils import timezone

    return timezone.utcnow()


def load_dagbag():
    from pathlib import Path

    from airflow.dag_processing.dagbag import BundleDagBag

    # The same bag dag.test() builds for the "dags-folder" bundle (import errors keyed by
    # paths relative to it); safe_mode off: a student file need not mention "airflow" and "dag".
    return BundleDagBag(dag_folder=DAGS_DIR, bundle_path=Path(DAGS_DIR), bundle_name=BUNDLE, safe_mode=False)


def parse_files():
    """In the parse child: the bag, serialized (student code ran; the result is data)."""
    from airflow.serialization.serialized_objects import DagSerialization

    bag = load_dagbag()
    errors = dict(bag.import_errors)
    dags = []
    for dag in list(bag.dags.values())[:MAX_DAGS]:
        entry = {"dagId": dag.dag_id, "fileloc": dag.fileloc, "tasks": len(dag.task_dict), "data": None}
        if len(dag.task_dict) <= MAX_TASKS:
            try:
                entry["data"] = DagSerialization.to_dict(dag)
            except Exception as error:  # the dag processor reports these as import errors too
                errors[os.path.relpath(dag.fileloc, DAGS_DIR)] = "".join(traceback.format_exception(error))
                continue
        dags.append(entry)
    return {"importErrors": errors, "dags": dags}


# ---------------------------------------------------------------- task children forked ahead

class SpareChildren:
    """
    Task children forked ahead of need, several at once, each waiting for the sockets of the
    try it will run. Forking copies this process's page tables and marks every page
    copy-on-write, so each later write here faults again: one fork per try cost this process
    ~5,000 page faults per task (a fifth of a run's CPU). Forked as a batch, the job writes
    each page once per batch, not once per task. A spare is this process's own child (waitpid,
    the CPU accounting and killpg work as for a child forked in start()), runs nothing of the
    student until it has its sockets, and then drops every fd it did not receive, as
    task_child_main does for any task child.
    """

    MAX_BATCH = 8

    def __init__(self):
        self.idle = []  # (pid, control socket), oldest first

    def take(self, wanted):
        """A waiting spare (pid, control socket); forks a batch of `wanted` (capped) when none is left."""
        if not self.idle:
            gc.freeze()  # as the zygote does before a job: the spares' collections leave the job's pages alone
            for _ in range(max(1, min(self.MAX_BATCH, wanted))):
                self.fork_one()
        return self.idle.pop(0)

    def fork_one(self):
        import socket

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            spare_main(theirs)  # never returns
        theirs.close()
        self.idle.append((pid, ours))

    def close(self):
        """Spares never used: gone with the job (and reaped here, so their CPU counts as the job's)."""
        import signal

        for pid, control in self.idle:
            control.close()  # a spare that still waits reads EOF and exits; the kill is for the rest
            for end in (lambda: os.kill(pid, signal.SIGKILL), lambda: os.waitpid(pid, 0)):
                try:
                    end()
                except OSError:
                    pass
        self.idle = []


def spare_main(control):
    """In a spare: wait for a try's four sockets, then become its task child (Airflow's _fork_main)."""
    import array
    import socket

    from airflow.sdk.execution_time.supervisor import _fork_main

    global _PARENT_FDS
    try:
        _PARENT_FDS = open_fds()  # all this spare inherited: dropped before the student's code
        fds = array.array("i")
        message, ancillary, _flags, _address = control.recvmsg(8, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        if message != b"run" or len(fds) != 4:
            os._exit(0)  # the job is gone or done with its spares
        # Alive and past the wait: a spare with a SIGKILL pending never gets here (the signal
        # is delivered as recvmsg returns), so the job knows this one will run the try.
        control.send(b"ok")
        control.close()
        requests, stdout, stderr = (socket.socket(fileno=fd) for fd in fds[:3])
        try:
            os.setpgid(0, 0)  # its own process group, as start(new_process_group=True) makes it
        except OSError:
            pass
        _fork_main(requests, stdout, stderr, fds[3], task_child_main)
    except BaseException:
        pass
    os._exit(124)


def start_in_spare(cls, spares, wanted, *, what, dag_rel_path, bundle_info, client, logger):
    """
    ActivitySubprocess.start (WatchedSubprocess.start's parent side, then _on_child_started),
    with the fork replaced by handing the child's ends of the four socket pairs to a spare.
    Mirrors airflow/sdk/execution_time/supervisor.py of the pinned Airflow 3.3.2.
    """
    import signal
    import socket

    import psutil
    from airflow.sdk.execution_time.supervisor import PsutilTracker

    while True:
        pid, control = spares.take(wanted)
        child_stdout, read_stdout = socket.socketpair()
        child_stderr, read_stderr = socket.socketpair()
        child_requests, read_requests = socket.socketpair()
        child_logs, read_logs = socket.socketpair()
        ends = [child_requests.fileno(), child_stdout.fileno(), child_stderr.fileno(), child_logs.fileno()]
        try:
            control.sendmsg([b"run"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array_of(ends))])
            # A task can kill processes of its own uid: a spare killed a moment ago may still hold
            # its socket open (the SIGKILL not yet delivered) and take the message, then die with
            # the try. Only its answer says it is alive and will run it.
            control.settimeout(SPARE_ACK_TIMEOUT_S)
            if control.recv(8) == b"ok":
                break
            raise OSError("the spare ended before it answered")
        except OSError:  # that spare died (socket.timeout is an OSError too): the next one
            for sock in (child_stdout, read_stdout, child_stderr, read_stderr, child_requests, read_requests, child_logs, read_logs):
                sock.close()
            for end in (lambda: os.kill(pid, signal.SIGKILL), lambda: os.waitpid(pid, os.WNOHANG)):
                try:
                    end()
                except OSError:
                    pass
        finally:
            control.close()
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    for sock in (child_stdout, child_stderr, child_logs, child_requests):
        sock.close()
    proc = cls(
        pid=pid,
        stdin=read_requests,
        process=PsutilTracker(psutil.Process(pid)),
        process_log=logger,
        start_time=time.monotonic(),
        new_process_group=True,
        id=what.id,
        client=client,
    )
    proc._register_pipe_readers(read_stdout, read_stderr, read_requests, read_logs, data={})
    proc._on_child_started(ti=what, dag_rel_path=dag_rel_path, bundle_info=bundle_info, sentry_integration="")
    return proc


def array_of(fds):
    import array

    return array.array("i", fds)


# ---------------------------------------------------------------- task tries, several at once

class TaskTry:
    """One task instance's try in its supervised child, and its resumptions after a deferral."""

    def __init__(self, ti, log):
        self.ti = ti
        self.key = (ti.task_id, ti.map_index)
        self.pool = ti.pool or DEFAULT_POOL
        self.log = log
        self.proc = None
        self.seen = {}  # what its own child asked for that matters here: a deferral
        self.broken = None  # the exception its channel raised, if it wrote garbage there


class TaskTries:
    """
    The task tries of one run that run at once: as the scheduler and a worker with
    parallelism would, independent tasks overlap, so the critical path, not the number of
    tasks, sets how long a run takes. Each try is Airflow's own ActivitySubprocess (its child
    can only speak for itself); this thread services all of them, one request at a time, so
    the Execution API and the metadata DB see the same sequence of calls as with one task.

    Respected as the scheduler would: the DAG's max_active_tasks, a task's
    max_active_tis_per_dag(run), and a pool other than default_pool runs one try at a time
    (the lab defines no pools: a lesson names one to serialize tasks).
    """

    def __init__(self, job, client, rel_path, session, dag):
        self.job = job
        self.client = client
        self.rel_path = rel_path
        self.session = session
        self.dag = dag
        self.running = {}  # (task_id, map_index) -> TaskTry
        self.limit = max(1, min(PARALLEL_TASKS, getattr(dag, "max_active_tasks", None) or PARALLEL_TASKS))
        self.selector = selectors.DefaultSelector()  # wakes on any running try's own selector
        self.spares = SpareChildren()
        self.to_start = 1  # tries the run may still start: how many spares a batch forks

    def has(self, ti):
        return (ti.task_id, ti.map_index) in self.running

    def fits(self, ti):
        if len(self.running) >= self.limit:
            return False
        pool = ti.pool or DEFAULT_POOL
        if pool != DEFAULT_POOL and any(t.pool == pool for t in self.running.values()):
            return False
        try:
            task = self.dag.get_task(ti.task_id)
        except Exception:
            task = None
        # An upstream try may have told the API it is done while its process is still ending:
        # this one starts after it has ended and been reported, so states reach the student in
        # dependency order.
        upstream = getattr(task, "upstream_task_ids", None) or ()
        if any(t.key[0] in upstream for t in self.running.values()):
            return False
        same = sum(1 for t in self.running.values() if t.key[0] == ti.task_id)
        for cap in (getattr(task, "max_active_tis_per_dag", None), getattr(task, "max_active_tis_per_dagrun", None)):
            if isinstance(cap, int) and same >= cap:
                return False
        return True

    def start(self, ti):
        index = ti.map_index
        self.job.task_state(ti.task_id, "queued", index)
        if index >= 0:
            send("log", taskId=ti.task_id, text=f"── instancia map_index={index} ──")
        self.launch(TaskTry(ti, TaskLog(self.job, ti.task_id)))

    def launch(self, task_try):
        """Forks the try's child through Airflow's supervisor (its `start` call included)."""
        from uuid import UUID

        from airflow.sdk.api.datamodels._generated import TaskInstance as TaskInstanceSDK
        from airflow.utils.state import TaskInstanceState

        ti = task_try.ti
        ti.set_state(TaskInstanceState.QUEUED, session=self.session)
        self.session.commit()
        what = TaskInstanceSDK(
            id=UUID(str(ti.id)), task_id=ti.task_id, dag_id=ti.dag_id, run_id=ti.run_id,
            try_number=ti.try_number, map_index=ti.map_index, dag_version_id=UUID(str(ti.dag_version_id)),
        )
        task_try.seen = {}
        task_try.broken = None
        task_try.proc = self.spawn(what, task_try.log, task_try.seen)
        self.running[task_try.key] = task_try
        self.selector.register(task_try.proc.selector, selectors.EVENT_READ, task_try)
        self.job.task_state(ti.task_id, "running", ti.map_index)

    def spawn(self, what, log, seen):
        """Airflow's ActivitySubprocess: forks the task child; its requests are served by step()."""
        import structlog

        from airflow.sdk.api.datamodels._generated import BundleInfo
        from airflow.sdk.execution_time.comms import DeferTask
        from airflow.sdk.execution_time.supervisor import ActivitySubprocess

        class Supervisor(ActivitySubprocess):
            def _service_subprocess(self, max_wait_time, raise_on_timeout=False, expect_signal=None):
                try:
                    return super()._service_subprocess(max_wait_time, raise_on_timeout, expect_signal)
                except Exception:
                    drain_output(self)  # before the selector and its handlers are closed
                    raise

            def _handle_request(self, msg, log_, req_id):
                if isinstance(msg, DeferTask):
                    seen["defer"] = msg  # this child's own deferral: where its task resumes
                return super()._handle_request(msg, log_, req_id)

        logger = structlog.wrap_logger(None, processors=[log], wrapper_class=structlog.make_filtering_bound_logger(0))
        return start_in_spare(Supervisor, self.spares, self.to_start, what=what, dag_rel_path=self.rel_path,
                              bundle_info=BundleInfo(name=BUNDLE, version=None), client=self.client, logger=logger)

    def close(self):
        self.spares.close()

    def wait_for_one(self, timeout=1.0):
        """
        Services every running try until at least one has ended (and finishes those) or for
        `timeout` seconds: a task whose retry_delay is over may start beside a long one.
        """
        deadline = time.monotonic() + timeout
        ended = []
        while not ended and time.monotonic() < deadline:
            # A child's exit is no selector event: every try is looked at least every 50 ms.
            ready = {key.data for key, _ in self.selector.select(0.05)}
            ended = [task_try for task_try in list(self.running.values()) if self.step(task_try, task_try in ready)]
        for task_try in ended:
            self.finish(task_try)

    @staticmethod
    def step(task_try, ready):
        """
        One turn of ActivitySubprocess._monitor_subprocess (the loop its wait() runs) without
        blocking: serve what the child sent, heartbeat. True once the child is gone and read.
        """
        from airflow.sdk.execution_time.supervisor import SOCKET_CLEANUP_TIMEOUT

        proc = task_try.proc
        try:
            # _service_subprocess waits at least 10 ms for its selector: only when it has events.
            alive = (proc._service_subprocess(max_wait_time=0) if ready else proc._check_subprocess_exit()) is None
            if proc._exit_code is not None and proc._open_sockets:
                exited = proc._process_exit_monotonic
                if exited and time.monotonic() - exited > SOCKET_CLEANUP_TIMEOUT:
                    proc._cleanup_open_sockets()
                    return True
            if alive:
                proc._send_heartbeat_if_needed()
                proc._handle_process_overtime_if_needed()
        except Exception as error:  # garbage on its request socket (a frame length of gigabytes...)
            task_try.broken = error
            return True
        return proc._exit_code is not None and not proc._open_sockets

    def finish(self, task_try):
        """The try's end as wait() does it, then what the student sees of it (or its resumption)."""
        import signal

        from airflow.utils.state import TaskInstanceState

        proc, log, session = task_try.proc, task_try.log, self.session
        self.selector.unregister(proc.selector)
        del self.running[task_try.key]
        if task_try.broken is None:
            # The tail of ActivitySubprocess.wait() (its loop is what step() did): the state the
            # child did not send directly (a failure) goes to the API here, then the logs.
            try:
                proc.selector.close()
                proc._exit_code = proc._exit_code if proc._exit_code is not None else 1
                try:
                    proc.update_task_state_if_needed()
                finally:
                    proc._upload_logs()
            except Exception as error:
                task_try.broken = error
        if task_try.broken is not None:
            # The child broke its channel: its task is over, failed; the run goes on.
            for end in (proc.selector.close, lambda: os.killpg(proc.pid, signal.SIGKILL), lambda: os.waitpid(proc.pid, 0)):
                try:
                    end()
                except Exception:
                    pass
            log.line(f"[error] La tarea rompió su canal de comunicación con Airflow ({type(task_try.broken).__name__}); se da por fallida.")
        deferral = task_try.seen.get("defer")
        log.flush()
        ti = self.job.current_ti(task_try.ti, session)
        if task_try.broken is not None and getattr(ti.state, "value", ti.state) not in ("success", "failed", "up_for_retry"):
            ti.set_state(TaskInstanceState.FAILED, session=session)
            session.commit()
        if getattr(ti.state, "value", ti.state) == "deferred" and deferral is not None:
            if self.job.resume_after_trigger(ti, deferral, log, session):
                task_try.ti = ti
                self.launch(task_try)
                return
        state = getattr(ti.state, "value", ti.state)
        if state in ("failed", "up_for_retry") and log.lab_lacks:
            self.job.explain_task_error(ti.task_id, log.lab_lacks)
        self.job.task_state(ti.task_id, state, ti.map_index)
        self.job.report_xcom(ti)


# ---------------------------------------------------------------- running a job

class Job:
    def __init__(self, files):
        self.files = files
        self.names = [f["name"] for f in files]
        self.states = {}
        self.explained = set()
        self.final = None  # the DAG run's state, from the metadata DB
        self.parse_filter = LineFilter()

    # ---- reporting

    def task_state(self, task_id, state, map_index=-1):
        """One event per change; a mapped task's instances each carry their map_index."""
        key = (task_id, map_index)
        if state and self.states.get(key) != state:
            self.states[key] = state
            send("task", taskId=task_id, state=state, **({"mapIndex": map_index} if map_index >= 0 else {}))

    def diagnostic(self, code, message, file=None, line=1, column=1, detail=None):
        send("diagnostic", code=code, file=file or self.names[0], line=line, column=column, message=message, detail=detail)

    def send_log(self, task_id, text):
        send("log", taskId=task_id, text=text)

    def result(self, state, **fields):
        self.final = state
        send("result", state=state, **fields)

    # ---- steps

    def write_files(self):
        for f in self.files:
            with open(os.path.join(DAGS_DIR, f["name"]), "w", encoding="utf-8") as handle:
                handle.write(f["content"])

    def check_syntax(self):
        for f in self.files:
            try:
                compile(f["content"], f["name"], "exec")  # compiles, runs nothing
            except SyntaxError as error:
                line = error.lineno or 1
                column = error.offset or 1
                error.msg = translate_syntax(error.msg)
                self.diagnostic(
                    "syntax",
                    f"Error de sintaxis en {f['name']}, línea {line}: {error.msg}. El DAG no se cargó.",
                    f["name"], line, column,
                )
                return False
        return True

    def run(self):
        self.write_files()
        if not self.check_syntax():
            return self.result("failed", code="syntax")
        parsed = self.parse()
        if parsed is None:
            return None
        if parsed["importErrors"]:
            for path, text in parsed["importErrors"].items():
                self.report_import_error(path, text)
            return self.result("failed", code="import-error")
        entry = self.pick_dag(parsed["dags"])
        if entry is None:
            return None
        if entry["tasks"] > MAX_TASKS or entry["data"] is None:
            self.diagnostic(
                "too-many-tasks",
                f"El DAG «{entry['dagId']}» tiene {entry['tasks']} tareas y el laboratorio ejecuta como máximo "
                f"{MAX_TASKS}. Reduce el número de tareas (por ejemplo, el rango del bucle que las crea).",
                line=first_dag_line(self.files, os.path.basename(entry["fileloc"])),
            )
            return self.result("failed", code="too-many-tasks")
        dag = self.deserialize(entry)
        if dag is None:
            return None
        self.report_structure(dag)
        self.execute(dag, parsed["dags"])
        return None

    def parse(self):
        """The files are imported in a child; what comes back is checked before anything trusts it."""
        def on_line(line):
            if not line.strip():
                return
            text = self.parse_filter.clean(line)
            if text is not None:
                send("output", text=text)

        raw, status = in_child(parse_files, on_line, MAX_PARSE_RESULT_BYTES)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("exception"), str):
            self.report_exception(parsed["exception"])
            return None
        if not valid_parse_result(parsed):
            code = os.waitstatus_to_exitcode(status) if status is not None else None
            why = "devolvió un resultado demasiado grande" if raw is None else f"terminó (código {code}) sin devolver el DAG"
            self.diagnostic(
                "import-error",
                f"{self.names[0]}: el DAG no se pudo cargar: el proceso que importa tus archivos {why}. "
                "¿Llama tu código a os._exit(), sys.exit() o cierra la salida al importarse?",
                self.names[0], first_dag_line(self.files, self.names[0]),
            )
            self.result("failed", code="import-error")
            return None
        return parsed

    def report_exception(self, text):
        """The student's code raised outside a task, at import time, past what DagBag catches."""
        frames = re.findall(r'File "' + re.escape(DAGS_DIR) + r'/([^"]+)", line (\d+)', text)
        file, line = (frames[-1][0], int(frames[-1][1])) if frames else (self.names[0], 1)
        last = [l for l in text.strip().splitlines() if l.strip()]
        self.diagnostic("exception", explain(last[-1].strip() if last else text, file, line), file, line,
                        detail=trim_traceback(text, self.names))
        self.result("failed", code="exception")

    def pick_dag(self, dags):
        if not dags:
            self.diagnostic(
                "no-dag",
                "Tus archivos no definen ningún DAG. Crea uno con «with DAG(dag_id=..., ...):» (from airflow.sdk import DAG) "
                "a nivel de módulo, fuera de funciones, para que Airflow lo encuentre.",
            )
            self.result("failed", code="no-dag")
            return None
        entry = os.path.join(DAGS_DIR, self.names[0])
        dags = sorted(dags, key=lambda d: (d["fileloc"] != entry, d["dagId"]))
        if len(dags) > 1:
            others = ", ".join(d["dagId"] for d in dags[1:])
            send("output", text=f"Se encontraron varios DAGs; se ejecuta «{dags[0]['dagId']}» (además: {others}).")
        return dags[0]

    def deserialize(self, entry):
        """As the scheduler reads what a dag processor wrote: schema first, then data only."""
        from airflow.serialization.serialized_objects import DagSerialization

        try:
            DagSerialization.validate_schema(entry["data"])
            dag = DagSerialization.from_dict(entry["data"])
            if dag.dag_id != entry["dagId"] or len(dag.task_dict) > MAX_TASKS:
                raise ValueError("the serialized DAG does not match what the parse reported")
            return dag
        except Exception as error:
            name = os.path.basename(entry["fileloc"])
            self.diagnostic(
                "import-error",
                f"{name}: el DAG no se pudo cargar: Airflow no pudo leer el DAG serializado ({type(error).__name__}).",
                name if name in self.names else self.names[0], first_dag_line(self.files, name),
            )
            self.result("failed", code="import-error")
            return None

    def report_structure(self, dag):
        tasks = [{"id": t.task_id, "operator": t.task_type} for t in dag.tasks]
        edges = [[t.task_id, d] for t in dag.tasks for d in sorted(t.downstream_task_ids)]
        send("dag", dagId=dag.dag_id, tasks=tasks[: MAX_TASKS + 1], edges=edges[: 4 * MAX_TASKS],
             totalTasks=len(tasks))

    def report_import_error(self, path, text):
        name = os.path.basename(path)
        frames = student_frames(text, self.names)
        file, line = frames[-1] if frames else (name if name in self.names else self.names[0], 1)
        last = [l for l in text.strip().splitlines() if l.strip()]
        summary = last[-1].strip() if last else text.strip()
        if not frames:
            line = first_dag_line(self.files, file)
        self.diagnostic("import-error", explain(summary, file, line), file, line, 1, detail=trim_traceback(text, self.names))

    # ---- the run: dag.test()'s loop, with each task try in a supervised child

    def execute(self, dag, parsed_dags):
        """
        What Dag.test() does (airflow/sdk/definitions/dag.py), on the deserialized DAG: the
        scheduler's half runs here, against the in-memory metadata DB; each task try runs
        in a child through Airflow's own supervisor (the executor path of a real worker).
        """
        from airflow import settings
        from airflow.dag_processing.bundles.manager import DagBundlesManager
        from airflow.dag_processing.collection import update_dag_parsing_results_in_db
        from airflow.models.dagrun import DagRun, get_or_create_dagrun
        from airflow.serialization.definitions.dag import SerializedDAG
        from airflow.serialization.serialized_objects import LazyDeserializedDAG
        from airflow.utils.state import DagRunState, TaskInstanceState
        from airflow.utils.types import DagRunTriggeredByType, DagRunType
        from airflow.utils import timezone
        from airflow.sdk.execution_time.supervisor import InProcessTestSupervisor

        finished = {"success", "failed", "skipped", "upstream_failed", "removed"}
        logical_date = cli_logical_date()
        # Not the thread's scoped session: create_session() (XComs, set_state) closes that one,
        # which would detach the task instances this loop holds.
        session = settings.NonScopedSession()
        SerializedDAG.clear_dags(dags=[dag], start_date=logical_date, end_date=logical_date, dag_run_state=False)
        manager = DagBundlesManager()
        manager.sync_bundles_to_db(session=session)
        session.commit()
        # As sync_bag_to_db after a parse: every DAG of the files (TriggerDagRunOperator targets too).
        lazy = [LazyDeserializedDAG(data=d["data"]) for d in parsed_dags if d["data"] is not None]
        files = {(BUNDLE, os.path.relpath(d["fileloc"], DAGS_DIR)) for d in parsed_dags}
        update_dag_parsing_results_in_db(BUNDLE, None, lazy, {}, None, set(), session=session, files_parsed=files)
        session.commit()

        run_after = timezone.utcnow()
        dr = get_or_create_dagrun(
            dag=dag,
            start_date=logical_date,
            logical_date=logical_date,
            data_interval=dag.timetable.infer_manual_data_interval(run_after=logical_date),
            run_after=run_after,
            run_id=DagRun.generate_run_id(run_type=DagRunType.MANUAL, logical_date=logical_date, run_after=run_after),
            session=session,
            conf=None,
            triggered_by=DagRunTriggeredByType.TEST,
            triggering_user_name="dag_test",
        )
        # DAG-level callbacks are student code: the scheduler's side never runs them here
        # (DagRun.execute_dag_callbacks then only logs that there are none).
        dag.on_success_callback = None
        dag.on_failure_callback = None
        client = InProcessTestSupervisor._api_client(dag)
        rel_path = os.path.relpath(dag.fileloc, DAGS_DIR)
        tries = TaskTries(self, client, rel_path, session, dag)
        while dr.state == DagRunState.RUNNING:
            session.expire_all()
            schedulable, _ = dr.update_state(session=session)
            for ti in schedulable:
                if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                    ti.try_number += 1
                ti.state = TaskInstanceState.SCHEDULED
                ti.scheduled_dttm = timezone.utcnow()
            session.commit()
            all_tis = set(dr.get_task_instances(session=session))
            # Skips (branches, short circuits, trigger rules) and upstream failures are decided
            # by the scheduler's loop, here, not by running a task.
            for ti in all_tis:
                state = getattr(ti.state, "value", ti.state)
                if state in ("skipped", "upstream_failed", "removed"):
                    self.task_state(ti.task_id, state, ti.map_index)
            scheduled = sorted((x for x in all_tis if x.state == TaskInstanceState.SCHEDULED and not tries.has(x)),
                               key=lambda x: (x.task_id, x.map_index))
            tries.to_start = sum(1 for x in all_tis if getattr(x.state, "value", x.state) not in finished and not tries.has(x))
            for ti in scheduled:
                if tries.fits(ti):
                    tries.start(ti)
            if tries.running:
                tries.wait_for_one()  # the scheduler's loop runs again as soon as a try has ended
            elif any(getattr(x.state, "value", x.state) not in finished for x in all_tis):
                time.sleep(1)  # waiting for a retry_delay (or for nothing: dag.test() also waits)
        while tries.running:  # the run's state is decided; what still runs is seen to its end
            tries.wait_for_one()
        tries.close()
        session.expire_all()
        self.report_final_states(dr)
        self.list_run_dir()
        state = getattr(dr.state, "value", dr.state)
        self.result("success" if state == "success" else "failed", dagState=state, dagId=dag.dag_id)

    @staticmethod
    def current_ti(ti, session):
        """The task instance's row now: a failed try that will retry gets a new id (its old row is history)."""
        from sqlalchemy import select
        from airflow.models.taskinstance import TaskInstance

        key = (ti.dag_id, ti.run_id, ti.task_id, ti.map_index)  # read before expire: the row may be gone
        session.expire_all()
        return session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == key[0], TaskInstance.run_id == key[1],
                TaskInstance.task_id == key[2], TaskInstance.map_index == key[3],
            )
        ).one()

    def resume_after_trigger(self, ti, msg, log, session):
        """dag.test() runs a deferred task's trigger inline; here it runs in a child too."""
        from airflow.utils.state import TaskInstanceState

        def fire():
            import asyncio

            from airflow.sdk._shared.module_loading import import_string
            from airflow.sdk.serde import deserialize, serialize

            trigger = import_string(msg.classpath)(**deserialize(msg.trigger_kwargs))

            async def first_event():
                return await anext(trigger.run(), None)

            event = asyncio.run(first_event())
            return {"fired": event is not None, "payload": serialize(event.payload) if event is not None else None}

        raw, _status = in_child(fire, log.line, 1024 * 1024)
        try:
            fired = json.loads(raw) if raw else None
        except ValueError:
            fired = None
        if not isinstance(fired, dict) or "fired" not in fired:
            log.line("[error] El disparador (trigger) de la tarea falló.")
            ti.set_state(TaskInstanceState.FAILED, session=session)
            session.commit()
            return False
        ti.next_method = msg.next_method
        ti.next_kwargs = {"event": fired["payload"]} if fired["fired"] else msg.next_kwargs
        ti.state = TaskInstanceState.SCHEDULED
        session.merge(ti)
        session.commit()
        return True

    def report_final_states(self, dag_run):
        """The metadata DB has the last word: whatever the stream missed, the student sees the run's end."""
        from sqlalchemy import select
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            rows = session.execute(
                select(TaskInstance.task_id, TaskInstance.map_index, TaskInstance.state)
                .where(TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id)
                .order_by(TaskInstance.task_id, TaskInstance.map_index)
            ).all()
        for task_id, map_index, state in rows:
            self.task_state(task_id, getattr(state, "value", state), map_index)

    def explain_task_error(self, task_id, message):
        """A Spanish diagnostic when a task failed for something the lab lacks, not for a bug."""
        if message not in self.explained:  # once, not once per retry
            self.explained.add(message)
            file, line = task_line(self.files, task_id)
            self.diagnostic("missing-in-lab", message, file, line)

    def report_xcom(self, ti):
        try:
            from airflow.models.xcom import XComModel
            from airflow.utils.session import create_session

            with create_session() as session:
                query = XComModel.get_many(run_id=ti.run_id, dag_ids=ti.dag_id, task_ids=ti.task_id, map_indexes=ti.map_index)
                for row in session.scalars(query).all()[:50]:
                    value = XComModel.deserialize_value(row)
                    key = row.key if ti.map_index < 0 else f"{row.key} [{ti.map_index}]"
                    send("xcom", taskId=ti.task_id, key=str(key)[:200], value=short_repr(value))
        except Exception as error:  # an XCom we cannot show must not fail the run
            send("output", text=f"(No se pudo leer el XCom de {ti.task_id}: {error})")

    def list_run_dir(self):
        """What the DAG left in CAUCE_RUN_DIR, and the members of any archive it made."""
        import tarfile

        found = []
        for root, _dirs, names in os.walk(RUN_DIR):
            for name in sorted(names):
                found.append(os.path.join(root, name))
                if len(found) > MAX_LISTED_FILES:
                    break
        if not found:
            return
        send("output", text=f"Archivos creados en la carpeta de la ejecución ({RUN_DIR}):")
        for path in found[:MAX_LISTED_FILES]:
            try:
                info = os.lstat(path)
            except OSError:
                continue
            send("output", text=f"  {path} ({info.st_size} bytes)")
            # The same fact as data, for the exercises' checks (a file the DAG was asked to make).
            if stat.S_ISREG(info.st_mode):
                send("file", path=os.path.relpath(path, RUN_DIR), size=info.st_size)
            # Regular files only: a FIFO or a symlink named *.tar must not hang or mislead us.
            if stat.S_ISREG(info.st_mode) and path.endswith((".tar.gz", ".tgz", ".tar")):
                try:
                    with tarfile.open(path) as archive:
                        for number, member in enumerate(archive):
                            if number >= MAX_LISTED_FILES:
                                break
                            send("output", text=f"    {member.name} ({member.size} bytes)")
                except (tarfile.TarError, OSError, EOFError) as error:
                    send("output", text=f"    (no se pudo leer el archivo: {error})")


def valid_parse_result(parsed):
    """The parse child's answer, shape and sizes, before anything reads it as a DAG."""
    if not isinstance(parsed, dict):
        return False
    errors, dags = parsed.get("importErrors"), parsed.get("dags")
    if not isinstance(errors, dict) or not isinstance(dags, list) or len(dags) > MAX_DAGS:
        return False
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in errors.items()):
        return False
    for entry in dags:
        if not (isinstance(entry, dict) and isinstance(entry.get("dagId"), str) and isinstance(entry.get("fileloc"), str)
                and isinstance(entry.get("tasks"), int) and (entry.get("data") is None or isinstance(entry.get("data"), dict))):
            return False
        if not os.path.abspath(entry["fileloc"]).startswith(DAGS_DIR + "/"):
            return False
    return True


SYNTAX_ES = [
    (r"'(.)' was never closed", r"el «\1» nunca se cerró"),
    (r"unmatched '(.)'", r"«\1» sin pareja"),
    (r"expected ':'", "falta «:»"),
    (r"invalid syntax. Perhaps you forgot a comma\?", "sintaxis no válida; ¿falta una coma?"),
    (r"invalid syntax", "sintaxis no válida"),
    (r"unexpected indent", "sangría inesperada"),
    (r"expected an indented block.*", "falta un bloque con sangría"),
    (r"unindent does not match any outer indentation level", "la sangría no coincide con ningún nivel anterior"),
    (r"unterminated string literal.*", "cadena de texto sin cerrar"),
    (r"unexpected EOF while parsing", "el archivo terminó antes de lo esperado"),
]


def translate_syntax(message):
    for pattern, spanish in SYNTAX_ES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, spanish, message)
    return message


def short_repr(value):
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def first_dag_line(files, name):
    for f in files:
        if f["name"] == name:
            for number, text in enumerate(f["content"].splitlines(), 1):
                if re.search(r"\bDAG\s*\(|@dag\b", text):
                    return number
    return 1


def dag_line(files, dag):
    return first_dag_line(files, os.path.basename(dag.fileloc))


def student_frames(text, names):
    """(file, line) of every traceback frame in the student's files, outermost first."""
    return [
        (os.path.basename(m.group(1)), int(m.group(2)))
        for m in re.finditer(r'File "([^"]+)", line (\d+)', text)
        if os.path.dirname(m.group(1)) in (DAGS_DIR, "") and os.path.basename(m.group(1)) in names
    ]


def trim_traceback(text, names):
    """Keeps the frames in the student's files and the final error; drops Airflow's own."""
    lines = text.strip().splitlines()
    kept, keep_next = [], False
    for line in lines:
        frame = re.match(r'\s*File "([^"]+)", line (\d+)', line)
        if frame:
            inside = os.path.dirname(frame.group(1)) in (DAGS_DIR, "") and os.path.basename(frame.group(1)) in names
            keep_next = inside
            if inside:
                kept.append(line.replace(DAGS_DIR + "/", ""))
            continue
        if keep_next and line.startswith("    "):
            kept.append(line)
            continue
        keep_next = False
    tail = [l for l in lines if l and not l.startswith(" ") and not l.startswith("Traceback")]
    result = (["Traceback (solo tus archivos):"] + kept if kept else []) + tail[-1:]
    return "\n".join(result).replace(DAGS_DIR + "/", "")


def task_line(files, task_id):
    """(file, line) where a task is defined: its task_id="…" or its @task function, else the DAG."""
    short = task_id.rsplit(".", 1)[-1]
    patterns = [re.compile(r"""task_id\s*=\s*f?["']""" + re.escape(short) + r"""["']"""), re.compile(r"^\s*def " + re.escape(short) + r"\(")]
    for pattern in patterns:
        for f in files:
            for number, text in enumerate(f["content"].splitlines(), 1):
                if pattern.search(text):
                    return f["name"], number
    return files[0]["name"], first_dag_line(files, files[0]["name"])


def error_chain(error):
    """The exception and every cause or context behind it, outermost first."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def lab_lacks(task_id, task, error):
    """
    Spanish sentence naming what the lab lacks when that is why a task failed: it has no
    network (nothing to install from PyPI, no services), no connections or variables, and
    only the example's .py files. None for an ordinary bug in the task.
    """
    import errno
    import socket
    import subprocess

    for cause in error_chain(error):
        name = type(cause).__name__
        text = str(cause)
        if isinstance(cause, subprocess.CalledProcessError):
            command = [str(part) for part in (cause.cmd if isinstance(cause.cmd, (list, tuple)) else [cause.cmd])]
            installs = "install" in command and any(part.endswith(("pip", "uv")) for part in command)
            if installs or "venv" in command:
                wanted = [str(r) for r in (getattr(task, "requirements", None) or [])]
                if installs:
                    wanted = wanted or [p for p in command[command.index("install") + 1:] if not p.startswith("-") and "/" not in p]
                if wanted:
                    what = ", ".join(f"«{p}»" for p in wanted)
                    return (
                        f"La tarea «{task_id}» necesita instalar {what} con pip, pero el laboratorio no tiene red: no se "
                        "pueden instalar paquetes ni crear entornos virtuales; solo están los que trae el laboratorio "
                        "(Airflow y sus proveedores). Prueba la tarea con PythonOperator y las bibliotecas ya instaladas."
                    )
                return (
                    f"La tarea «{task_id}» necesita crear un entorno virtual ({' '.join(command[:3])}), y el laboratorio "
                    "no puede: no tiene red ni los paquetes que venv instala. Usa PythonOperator, o ExternalPythonOperator "
                    "con python=sys.executable."
                )
        if name == "AirflowNotFoundException" and "conn_id" in text:
            conn = re.search(r"conn_id `?([^`'\s]+)`?", text)
            return (
                f"La tarea «{task_id}» usa la conexión «{conn.group(1) if conn else '?'}», que no existe en el laboratorio: "
                "aquí no hay conexiones configuradas ni servicios externos (bases de datos, APIs, nubes) a los que llegar."
            )
        if name == "TemplateNotFound":
            template = getattr(cause, "name", None) or text
            return (
                f"La tarea «{task_id}» usa la plantilla «{template}», que no está entre los archivos del ejemplo: el "
                "laboratorio solo recibe los archivos .py de sus pestañas. Escribe el contenido de la plantilla en el código."
            )
        if isinstance(cause, ModuleNotFoundError) and cause.name:
            return (
                f"La tarea «{task_id}» importa «{cause.name}», que no existe en el laboratorio: si es una biblioteca, no está "
                "instalada (y no se puede instalar: no hay red); si es otro archivo tuyo, añádelo como pestaña del ejemplo."
            )
        if name == "AirflowRuntimeError" and "VARIABLE_NOT_FOUND" in text:
            variable = re.search(r"Variable (\S+) not found", text)
            return (
                f"La tarea «{task_id}» lee la Variable «{variable.group(1) if variable else '?'}», que no existe en el "
                "laboratorio: aquí no hay Variables de Airflow configuradas. Usa Variable.get(..., default=...) o un valor en el código."
            )
        unreachable = isinstance(cause, socket.gaierror) or (
            isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED)
        ) or name in ("ConnectError", "ConnectionError", "NewConnectionError", "MaxRetryError")
        if unreachable:
            return (
                f"La tarea «{task_id}» intentó conectarse por red ({name}: {text[:160]}), pero el laboratorio no tiene acceso "
                "a la red ni a servicios externos: tu DAG solo puede usar lo que se ejecuta dentro de él."
            )
    return None


def explain(summary, file, line):
    """A Spanish sentence for the usual ways a DAG fails to load."""
    missing = re.search(r"ModuleNotFoundError: No module named '([^']+)'", summary)
    if missing:
        return (
            f"{file}, línea {line}: el módulo «{missing.group(1)}» no existe en el laboratorio. "
            "Revisa el nombre del import; si es otro archivo tuyo, añádelo como pestaña del ejemplo."
        )
    if "Cycle detected" in summary or "AirflowDagCycleException" in summary:
        return f"{file}: el DAG tiene un ciclo (Airflow lo rechaza): {summary.split(': ', 1)[-1]}"
    if "ImportError" in summary:
        return f"{file}, línea {line}: no se pudo importar: {summary.split(': ', 1)[-1]}"
    return f"{file}, línea {line}: el DAG no se pudo cargar: {summary}"


# ---------------------------------------------------------------- main

def share_type_adapters():
    """
    Every task child builds the pydantic TypeAdapters of its channel to the supervisor (two for
    comms.ToTask in CommsDecoder, one for StartupDetails in task_runner): schema generation over
    a union of some thirty models, in a forked child whose every first write to an inherited
    page is a copy-on-write fault. A TypeAdapter is immutable once built, so the ones a child
    needs are built here, before any fork, and handed out again by type: the children inherit
    them ready.
    """
    import pydantic
    from airflow.sdk.execution_time import comms, task_runner

    build = pydantic.TypeAdapter
    built = {}

    class SharedTypeAdapter:
        def __new__(cls, type_, *args, **kwargs):
            if args or kwargs:
                return build(type_, *args, **kwargs)
            try:
                adapter = built.get(type_)
            except TypeError:  # an unhashable type: built each time, as before
                return build(type_)
            if adapter is None:
                adapter = built[type_] = build(type_)
            return adapter

        def __class_getitem__(cls, item):  # annotations such as TypeAdapter[ToTask] still read
            return build[item]

    comms.TypeAdapter = task_runner.TypeAdapter = SharedTypeAdapter
    for type_ in (comms.ToTask, comms.StartupDetails):
        SharedTypeAdapter(type_)


def memoize_dependency_analysis():
    """
    FastAPI analyses an endpoint's dependencies once per route, except when the app has
    dependency_overrides: then solve_dependencies re-runs get_dependant (signature inspection,
    pydantic fields) for every sub-dependency of every request. The in-process Execution API
    overrides its auth dependencies, so each of a run's ~26 requests paid that analysis again
    (a third of its CPU). get_dependant is a pure function of its arguments and FastAPI reuses
    a route's Dependant across requests anyway, so the result is kept here, per process.
    """
    import functools

    from fastapi.dependencies import utils

    analyse = utils.get_dependant

    @functools.lru_cache(maxsize=1024)
    def cached(path, call, name, own, parent, use_cache, scope):
        return analyse(path=path, call=call, name=name, own_oauth_scopes=list(own) if own is not None else None,
                       parent_oauth_scopes=list(parent) if parent is not None else None, use_cache=use_cache, scope=scope)

    def get_dependant(*, path, call, name=None, own_oauth_scopes=None, parent_oauth_scopes=None, use_cache=True, scope=None):
        own = tuple(own_oauth_scopes) if own_oauth_scopes is not None else None
        parent = tuple(parent_oauth_scopes) if parent_oauth_scopes is not None else None
        try:
            return cached(path, call, name, own, parent, use_cache, scope)
        except TypeError:  # an unhashable dependency callable: analysed as before
            return analyse(path=path, call=call, name=name, own_oauth_scopes=own_oauth_scopes,
                           parent_oauth_scopes=parent_oauth_scopes, use_cache=use_cache, scope=scope)

    utils.get_dependant = get_dependant


def fresh_execution_api():
    """
    The in-process Execution API that task children talk to runs its ASGI app on an event loop
    in a thread of its own, and Airflow caches it (in_process_api_server). A forked job process
    has the cached object but not the thread, so every request would wait forever: it gets a
    new loop and thread here, around the app the warm-up already built.
    """
    import functools

    from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI
    from airflow.sdk.execution_time import supervisor

    warm = supervisor.in_process_api_server()
    fresh = InProcessExecutionAPI(app=warm.app)
    supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(lambda: fresh)


def run_job(request):
    """In the job process (forked from the zygote): one student's DAG, start to result, then gone."""
    job_started = time.monotonic()
    fresh_execution_api()
    job = None
    try:
        job = Job(json.loads(request)["files"])
        job.run()
    except BaseException as error:  # the run broke here (never student code: that runs in children)
        text = traceback.format_exc()
        send("diagnostic", code="exception", file=(job.names[0] if job and job.names else "dag.py"), line=1, column=1,
             message=f"El laboratorio no pudo ejecutar el DAG: {type(error).__name__}: {error}", detail=text[-4000:])
        send("result", state="failed", code="exception")
    finally:
        send("done", jobMs=round((time.monotonic() - job_started) * 1000))
        _proto.flush()
        os._exit(0)


def main():
    started = time.monotonic()
    capture = Capture()
    try:
        make_nondumpable()
        prepare_home()
        memoize_dependency_analysis()
        share_type_adapters()
        # The DB moves into memory before the warm-up, so that the engine every job uses is the
        # one whose compiled-statement cache the warm-up filled (a new engine starts cold).
        move_db_into_memory()
        preload_modules()
        warm_up()
        # Only children import the student's files (BundleDagBag puts the folder on their own
        # sys.path): a module a task drops there must never shadow one this side imports later.
        while DAGS_DIR in sys.path:
            sys.path.remove(DAGS_DIR)
        snapshot = cauce_zygote.TmpSnapshot(SCRATCH_DIR)
    except BaseException:
        send("fatal", message="warm-up failed", detail="\n".join(capture.warm_tail) + "\n" + traceback.format_exc())
        return 1
    send("ready", warmMs=round((time.monotonic() - started) * 1000), runs=0)
    try:
        return cauce_zygote.serve(snapshot, run_job, send)
    except BaseException:
        # Not clean enough to serve again: the host replaces the whole sandbox.
        send("fatal", message="could not clean the sandbox between runs", detail=traceback.format_exc()[-4000:])
        return 1


if __name__ == "__main__":
    code = main()
    _proto.flush()
    os._exit(code)
