"""
Cauce's warm DAG worker: one sandboxed Python process that runs ONE student DAG.

Lifecycle (driven by lib/runs/airflow-pool.ts):
  1. starts inside bubblewrap with a private /tmp, copies the pre-migrated template
     metadata DB there, imports Airflow and runs a tiny built-in DAG once, so that every
     import, the ORM and the in-process Execution API are already warm;
  2. says {"event": "ready"} and blocks on stdin for one JSON job: {"files": [...]};
  3. writes the files to /tmp/dags, parses them (DagBag), reports the DAG's structure,
     runs dag.test() in-process and streams task states, task logs and XCom values;
  4. says {"event": "result", ...} and exits. The pool spawns a fresh worker.

Protocol: one JSON object per line on the ORIGINAL stdout (kept as a private fd). The
process's own fds 1 and 2 are a pipe read by a thread, so whatever Airflow or the student
prints becomes a "log" event of the running task (or "output" outside a task). Messages
for students are Spanish; identifiers are English.
"""

import json
import os
import re
import sys
import threading
import time
import traceback

DAGS_DIR = os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", "/tmp/dags")
AIRFLOW_HOME = os.environ.get("AIRFLOW_HOME", "/tmp/airflow")
TEMPLATE_DIR = os.environ.get("CAUCE_TEMPLATE_DIR", "/opt/cauce/template")
RUN_DIR = os.environ.get("CAUCE_RUN_DIR", "/tmp/run")
MAX_TASKS = int(os.environ.get("CAUCE_MAX_TASKS", "100"))
MAX_VALUE_CHARS = 2000
MAX_LISTED_FILES = 50

# ---------------------------------------------------------------- protocol channel

_proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
_proto_lock = threading.Lock()


def send(event, **fields):
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)
    with _proto_lock:
        _proto.write(line + "\n")
        _proto.flush()


# ---------------------------------------------------------------- captured output

class Capture:
    """Reads fds 1/2 line by line and turns each line into an event (or drops it)."""

    SYNC = "\x00cauce-sync "
    # structlog's console format: "2026-…Z [info     ] message [logger.name] key=value…"
    STRUCTLOG = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z? \[(\w+)\s*\] (.*)$")
    LOGGER_TAIL = re.compile(r"^(.*)\s\[([\w.]+)\](?:\s+\w+=.*)?$")
    # Airflow's own bookkeeping, meaningless to a student reading a task log.
    NOISY_LOGGERS = (
        "airflow.api_fastapi", "airflow.sdk.definitions.dag", "airflow.models", "airflow.serialization",
        "airflow.dag_processing", "airflow.jobs", "py.warnings", "alembic", "airflow.utils",
        "airflow.sdk.execution_time.supervisor", "airflow.settings",
    )

    # Lines that continue a dropped log record (its traceback), not new output.
    CONTINUATION = re.compile(r"^(Traceback |  File \"|    |During handling|The above exception|[\w.]+(Error|Exception)\b)")

    def __init__(self):
        self.dropping = False
        self.tb = None  # lines of a task traceback being collected
        self.names = []  # the student's file names (set per job)
        self.phase = "warm"  # warm: discard; parse/run: emit
        self.task_id = None
        self.warm_tail = []
        self._synced = threading.Event()
        self._sync_token = None
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", encoding="utf-8", buffering=1, closefd=False)
        self._reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        threading.Thread(target=self._pump, daemon=True).start()

    def sync(self):
        """Waits until every line written so far has been handled (keeps logs in task order)."""
        token = str(time.monotonic_ns())
        self._synced.clear()
        self._sync_token = token
        os.write(1, f"{self.SYNC}{token}\n".encode())
        self._synced.wait(5)

    def _pump(self):
        for raw in self._reader:
            line = raw.rstrip("\n")
            if line.startswith(self.SYNC):
                if line[len(self.SYNC):] == self._sync_token:
                    self._synced.set()
                continue
            self._handle(line)

    def _handle(self, line):
        if self.phase == "warm":
            self.warm_tail = (self.warm_tail + [line])[-40:]
            return
        if self.phase == "quiet" or not line.strip():
            return
        if self.task_id and self._traceback(line):
            return
        text = self.clean(line)
        if text is None:
            return
        if self.task_id:
            send("log", taskId=self.task_id, text=text)
        else:
            send("output", text=text)

    def _traceback(self, line):
        """
        Collects a task's traceback and emits it trimmed to the student's frames, plus a
        diagnostic at the deepest student line. True when the line was consumed.
        """
        if self.tb is None:
            if line.strip() != "Traceback (most recent call last):":
                return False
            self.tb = [line]
            return True
        self.tb.append(line)
        if line.startswith((" ", "Traceback")) or not line.strip() or line.startswith(("During handling", "The above exception")):
            return True
        lines, self.tb = self.tb, None
        text = "\n".join(lines)
        for out in trim_traceback(text, self.names).splitlines():
            send("log", taskId=self.task_id, text=out)
        frames = student_frames(text, self.names)
        if frames:
            file, number = frames[-1]
            error = line.strip()
            send("diagnostic", code="exception", file=file, line=number, column=1, detail=None,
                 message=f"La tarea «{self.task_id}» falló en {file}, línea {number}: {error}")
        return True

    def clean(self, line):
        match = self.STRUCTLOG.match(line)
        if not match:
            if self.dropping and self.CONTINUATION.match(line):
                return None
            return line.replace(DAGS_DIR + "/", "")
        self.dropping = False
        level, rest = match.group(1), match.group(2)
        tail = self.LOGGER_TAIL.match(rest)
        message, logger = (tail.group(1), tail.group(2)) if tail else (rest, "")
        if (
            logger.startswith(self.NOISY_LOGGERS)
            or message.startswith("::")
            or message.startswith(("[DAG TEST]", "Task started", "Task instance state updated", "Filling up the DagBag"))
        ):
            self.dropping = True
            return None
        return f"[{level}] {message.rstrip()}".replace(DAGS_DIR + "/", "")


# ---------------------------------------------------------------- environment

def prepare_home():
    """Private, writable copies of the template metadata DB and config, before airflow is imported."""
    import shutil

    os.makedirs(AIRFLOW_HOME, exist_ok=True)
    os.makedirs(DAGS_DIR, exist_ok=True)
    os.makedirs(RUN_DIR, exist_ok=True)
    for name in ("airflow.db",):
        source = os.path.join(TEMPLATE_DIR, name)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(AIRFLOW_HOME, name))
    if DAGS_DIR not in sys.path:
        sys.path.insert(0, DAGS_DIR)
    # No network: pip and uv (PythonVirtualenvOperator) fail at once instead of retrying a
    # mirror they can never reach; the task's diagnostic then says why (lab_lacks).
    os.environ.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", UV_OFFLINE="1")


WARMUP_DAG = '''
from datetime import datetime
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

with DAG(dag_id="cauce_warmup", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="a") >> PythonOperator(task_id="b", python_callable=lambda: 1)
'''


def warm_up():
    """Runs a built-in DAG once so that the student's run pays for nothing but itself."""
    path = os.path.join(DAGS_DIR, "cauce_warmup.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(WARMUP_DAG)
    try:
        dagbag = load_dagbag()
        dagbag.dags["cauce_warmup"].test(logical_date=cli_logical_date())
    finally:
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
    return BundleDagBag(dag_folder=DAGS_DIR, bundle_path=Path(DAGS_DIR), bundle_name="dags-folder", safe_mode=False)


# ---------------------------------------------------------------- running a job

class Job:
    def __init__(self, capture, files):
        self.capture = capture
        self.files = files
        self.names = [f["name"] for f in files]
        self.states = {}
        self.explained = set()

    # ---- reporting

    def task_state(self, task_id, state, map_index=-1):
        """One event per change; a mapped task's instances each carry their map_index."""
        key = (task_id, map_index)
        if state and self.states.get(key) != state:
            self.states[key] = state
            send("task", taskId=task_id, state=state, **({"mapIndex": map_index} if map_index >= 0 else {}))

    def diagnostic(self, code, message, file=None, line=1, column=1, detail=None):
        send("diagnostic", code=code, file=file or self.names[0], line=line, column=column, message=message, detail=detail)

    # ---- steps

    def write_files(self):
        for f in self.files:
            with open(os.path.join(DAGS_DIR, f["name"]), "w", encoding="utf-8") as handle:
                handle.write(f["content"])

    def check_syntax(self):
        for f in self.files:
            try:
                compile(f["content"], f["name"], "exec")
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
            return send("result", state="failed", code="syntax")
        self.capture.phase = "parse"
        dagbag = load_dagbag()
        self.capture.sync()
        if dagbag.import_errors:
            for path, text in dagbag.import_errors.items():
                self.report_import_error(path, text)
            return send("result", state="failed", code="import-error")
        dag = self.pick_dag(dagbag)
        if dag is None:
            return
        self.report_structure(dag)
        if len(dag.task_dict) > MAX_TASKS:
            self.diagnostic(
                "too-many-tasks",
                f"El DAG «{dag.dag_id}» tiene {len(dag.task_dict)} tareas y el laboratorio ejecuta como máximo "
                f"{MAX_TASKS}. Reduce el número de tareas (por ejemplo, el rango del bucle que las crea).",
                line=dag_line(self.files, dag),
            )
            return send("result", state="failed", code="too-many-tasks")
        self.execute(dag)

    def pick_dag(self, dagbag):
        dags = list(dagbag.dags.values())
        if not dags:
            self.diagnostic(
                "no-dag",
                "Tus archivos no definen ningún DAG. Crea uno con «with DAG(dag_id=..., ...):» (from airflow.sdk import DAG) "
                "a nivel de módulo, fuera de funciones, para que Airflow lo encuentre.",
            )
            send("result", state="failed", code="no-dag")
            return None
        entry = os.path.join(DAGS_DIR, self.names[0])
        dags.sort(key=lambda d: (d.fileloc != entry, d.dag_id))
        if len(dags) > 1:
            others = ", ".join(d.dag_id for d in dags[1:])
            send("output", text=f"Se encontraron varios DAGs; se ejecuta «{dags[0].dag_id}» (además: {others}).")
        return dags[0]

    def report_structure(self, dag):
        tasks = [{"id": t.task_id, "operator": type(t).__name__} for t in dag.tasks]
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

    def execute(self, dag):
        import airflow.sdk.definitions.dag as dag_module
        from airflow.models.dagrun import DagRun

        job = self
        original_run_task = dag_module._run_task
        original_update_state = DagRun.update_state

        def run_task(*, ti, task, run_triggerer=False):
            index = ti.map_index
            job.capture.sync()
            job.task_state(ti.task_id, "queued", index)
            job.task_state(ti.task_id, "running", index)
            job.capture.task_id = ti.task_id
            job.capture.phase = "run"
            if index >= 0:
                send("log", taskId=ti.task_id, text=f"── instancia map_index={index} ──")
            result = None
            try:
                result = original_run_task(ti=ti, task=task, run_triggerer=run_triggerer)
                return result
            finally:
                job.capture.sync()
                job.capture.task_id = None
                job.capture.phase = "quiet"
                state = getattr(ti.state, "value", ti.state)
                if state in ("failed", "up_for_retry") and result is not None and result.error is not None:
                    job.explain_task_error(ti.task_id, task, result.error)
                job.task_state(ti.task_id, state, index)
                job.report_xcom(ti)

        def update_state(self, *args, **kwargs):
            # Skips (branches, short circuits, trigger rules) and upstream failures are decided
            # here, by the scheduler's loop, not by running a task.
            result = original_update_state(self, *args, **kwargs)
            for ti in self.get_task_instances(session=kwargs.get("session")):
                state = getattr(ti.state, "value", ti.state)
                if state in ("skipped", "upstream_failed", "removed"):
                    job.task_state(ti.task_id, state, ti.map_index)
            return result

        dag_module._run_task = run_task
        DagRun.update_state = update_state
        self.capture.phase = "quiet"  # dag.test() parses the folder again: do not print twice
        try:
            dag_run = dag.test(logical_date=cli_logical_date())
        finally:
            self.capture.sync()
            self.capture.phase = "parse"
            dag_module._run_task = original_run_task
            DagRun.update_state = original_update_state
        self.report_final_states(dag_run)
        self.list_run_dir()
        state = getattr(dag_run.state, "value", dag_run.state)
        send("result", state="success" if state == "success" else "failed", dagState=state, dagId=dag.dag_id)

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

    def explain_task_error(self, task_id, task, error):
        """A Spanish diagnostic when a task failed for something the lab lacks, not for a bug."""
        message = lab_lacks(task_id, task, error)
        if message and message not in self.explained:  # once, not once per retry
            self.explained.add(message)
            file, line = task_line(self.files, task_id)
            self.diagnostic("missing-in-lab", message, file, line)

    def report_xcom(self, ti):
        try:
            from sqlalchemy import select  # noqa: F401  (ensures SQLAlchemy is loaded)
            from airflow.models.xcom import XComModel
            from airflow.utils.session import create_session

            with create_session() as session:
                query = XComModel.get_many(run_id=ti.run_id, dag_ids=ti.dag_id, task_ids=ti.task_id, map_indexes=ti.map_index)
                for row in session.scalars(query).all():
                    value = XComModel.deserialize_value(row)
                    key = row.key if ti.map_index < 0 else f"{row.key} [{ti.map_index}]"
                    send("xcom", taskId=ti.task_id, key=key, value=short_repr(value))
        except Exception as error:  # an XCom we cannot show must not fail the run
            send("output", text=f"(No se pudo leer el XCom de {ti.task_id}: {error})")

    def list_run_dir(self):
        """What the DAG left in CAUCE_RUN_DIR, and the members of any archive it made."""
        import tarfile

        found = []
        for root, _dirs, names in os.walk(RUN_DIR):
            for name in sorted(names):
                found.append(os.path.join(root, name))
        if not found:
            return
        send("output", text=f"Archivos creados en la carpeta de la ejecución ({RUN_DIR}):")
        for path in found[:MAX_LISTED_FILES]:
            send("output", text=f"  {path} ({os.path.getsize(path)} bytes)")
            if path.endswith((".tar.gz", ".tgz", ".tar")):
                try:
                    with tarfile.open(path) as archive:
                        for member in archive.getmembers()[:MAX_LISTED_FILES]:
                            send("output", text=f"    {member.name} ({member.size} bytes)")
                except (tarfile.TarError, OSError) as error:
                    send("output", text=f"    (no se pudo leer el archivo: {error})")


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

def main():
    started = time.monotonic()
    capture = Capture()
    try:
        prepare_home()
        warm_up()
    except BaseException:
        send("fatal", message="warm-up failed", detail="\n".join(capture.warm_tail) + "\n" + traceback.format_exc())
        return 1
    capture.sync()
    capture.phase = "quiet"
    send("ready", warmMs=round((time.monotonic() - started) * 1000))

    request = sys.stdin.readline()
    if not request:
        return 0
    job_started = time.monotonic()
    job = Job(capture, json.loads(request)["files"])
    capture.names = job.names
    try:
        job.run()
    except BaseException as error:  # the student's code raised outside a task (or the run broke)
        capture.sync()
        text = traceback.format_exc()
        frames = re.findall(r'File "' + re.escape(DAGS_DIR) + r'/([^"]+)", line (\d+)', text)
        file, line = (frames[-1][0], int(frames[-1][1])) if frames else (job.names[0], 1)
        job.diagnostic("exception", explain(f"{type(error).__name__}: {error}", file, line), file, line,
                       detail=trim_traceback(text, job.names))
        send("result", state="failed", code="exception")
    finally:
        send("done", jobMs=round((time.monotonic() - job_started) * 1000))
    return 0


if __name__ == "__main__":
    code = main()
    _proto.flush()
    os._exit(code)
