"""
The dag-processor's per-file child, moved into Cauce's sandbox.

Airflow's dag-processor forks one child per DAG file; the child imports the file (running its
top-level code, and DAG callbacks) and sends the serialized DAGs back over a socket. Stock, that
child is the dag-processor itself: the Airflow uid, with the lab's JWT secret, API secret key and
Fernet key in its environment, the metadata DB writable and every student's folder readable. A
DAG sent with "Enviar al scheduler" is student code, so here the forked child only runs
`_bridge`, trusted code that never imports the file:

  1. it asks Cauce's launcher (lib/runs/airflow/tasks/launcher.ts, root, in the site's server)
     over the executor's socket for a sandboxed parse of that one file, on a control connection;
  2. it opens three more connections (the child's requests, stdout and stderr) that the
     launcher hands, as they are, to the sandbox as its fds 0, 1 and 2
     (lib/sandbox/kinds/airflow-parse.ts runs cauce_parse_child.py there);
  3. it copies bytes between its own three sockets (the dag-processor's channel) and those,
     and exits with the sandbox's exit code, which the launcher sends on the control connection.

The dag-processor still owns the channel, so it still answers the child's requests and stores
the result, but it no longer trusts that result: `_handle_request` keeps only DAGs that carry
the folder's student prefix and come from the file that was asked for (a file's code can write
any frame it likes on its channel).

Protocol, one JSON line per connection opening:
  control: {"type": "ParseDagFile", "nonce", "file", "bundlePath", "relPath"}, answered by
           {"started": true} then {"exitCode": n}, or by {"error": "..."};
  stream:  {"type": "ParseStream", "nonce", "role": "requests" | "stdout" | "stderr"}.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import selectors
import socket
import sys

from airflow.dag_processing import processor as stock
from airflow.dag_processing.processor import DagFileParsingResult, DagFileProcessorProcess

from cauce_executor import SOCKET_ENV, TaskLauncherError, _connect, read_answer

ROLES = ("requests", "stdout", "stderr")
# Folders written by sendToScheduler (lib/runs/airflow/scheduler.ts): cauce_<studentNamespace()>.
STUDENT_FOLDER = re.compile(r"^cauce_([a-z0-9_]{1,32})/")


def _student_of(rel_path: str) -> str | None:
    match = STUDENT_FOLDER.match(os.path.normpath(rel_path))
    return match.group(1) if match else None


def _read_line(sock: socket.socket) -> dict:
    """The launcher's next control line; its end without one is an error here (no sandbox ran)."""
    answer = read_answer(sock)
    if not answer:
        raise TaskLauncherError("the launcher closed the connection without an answer")
    return answer


def _report_refusal(message: str, file: str, rel_path: str) -> None:
    """Answers the dag-processor's parse request with an import error, as a broken file would."""
    from pydantic import TypeAdapter

    from airflow.sdk.execution_time import comms

    decoder = comms.CommsDecoder(body_decoder=TypeAdapter(stock.ToDagProcessor))
    decoder._get_response()  # the DagFileParseRequest, unread until now
    decoder.send(
        DagFileParsingResult(
            fileloc=file,
            serialized_dags=[],
            import_errors={rel_path: f"Cauce no pudo leer este archivo en su entorno aislado: {message}"},
        )
    )


def _pump(pairs: list[tuple[int, int]], ends_copy: set[int], control: socket.socket) -> int:
    """
    Copies bytes from each pair's source fd to its sink fd. When a source ends, its sink's
    write side is shut, so the reader downstream sees the end too. The copy stops once every
    fd in `ends_copy` (the sandbox's side) has ended, then the exit code is read from the
    control connection.
    """
    selector = selectors.DefaultSelector()
    for source, sink in pairs:
        selector.register(source, selectors.EVENT_READ, sink)
    waiting = set(ends_copy)
    while waiting:
        for key, _events in selector.select():
            try:
                data = os.read(key.fd, 65536)
            except OSError:
                data = b""
            try:
                if data:
                    _write_all(key.data, data)
                    continue
            except OSError:
                pass  # the reader went away: drop what it would have read
            selector.unregister(key.fd)
            waiting.discard(key.fd)
            _shut_write(key.data)
    try:
        return int(_read_line(control).get("exitCode", 1))
    except (OSError, ValueError, TaskLauncherError):
        return 1


def _shut_write(fd: int) -> None:
    try:
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _bridge(file: str, bundle_path: str, rel_path: str) -> None:
    """The forked child's target: asks for a sandboxed parse and joins the channel to it."""
    path = os.environ.get(SOCKET_ENV)
    nonce = secrets.token_hex(16)
    try:
        if not path:
            raise TaskLauncherError(f"{SOCKET_ENV} is not set: DAG files are only parsed in Cauce's sandbox")
        control = _connect(path)
        control.sendall(
            json.dumps({"type": "ParseDagFile", "nonce": nonce, "file": file, "bundlePath": bundle_path, "relPath": rel_path}).encode()
            + b"\n"
        )
        streams = []
        for role in ROLES:
            stream = _connect(path)
            stream.sendall(json.dumps({"type": "ParseStream", "nonce": nonce, "role": role}).encode() + b"\n")
            streams.append(stream)
        answer = _read_line(control)
        if "error" in answer:
            raise TaskLauncherError(str(answer["error"]))
    except (OSError, ValueError, TaskLauncherError) as error:
        _report_refusal(str(error), file, rel_path)
        sys.exit(0)
    requests, stdout, stderr = (s.fileno() for s in streams)
    # fds 0/1/2 are our ends of the dag-processor's channel (_fork_main put them there).
    pairs = [(0, requests), (requests, 0), (stdout, 1), (stderr, 2)]
    sys.exit(_pump(pairs, {requests, stdout, stderr}, control))


class SandboxedDagFileProcessorProcess(DagFileProcessorProcess):
    """DagFileProcessorProcess whose child parses in Cauce's sandbox, and whose result is checked."""

    @classmethod
    def start(cls, *, path, bundle_path, bundle_name, dag_file_rel_path, callbacks, target=None, client, **kwargs):
        file, bundle, rel = os.fspath(path), os.fspath(bundle_path), str(dag_file_rel_path)
        return super().start(
            path=path,
            bundle_path=bundle_path,
            bundle_name=bundle_name,
            dag_file_rel_path=dag_file_rel_path,
            callbacks=callbacks,
            target=lambda: _bridge(file, bundle, rel),
            client=client,
            **kwargs,
        )

    def _handle_request(self, msg, log, req_id):
        if isinstance(msg, DagFileParsingResult):
            msg = checked_result(msg, self.dag_file_rel_path)
        elif not isinstance(msg, ALLOWED_REQUESTS) or not variable_allowed(msg, self.dag_file_rel_path):
            # A file's top-level code may read (as at home), never write the lab's shared state.
            from airflow.sdk.execution_time.comms import ErrorResponse

            log.warning("Cauce refused a request from a DAG file's parse", request=type(msg).__name__)
            self.send_msg(
                None,
                request_id=req_id,
                error=ErrorResponse(detail={"status_code": 403, "message": f"{type(msg).__name__} is not allowed while parsing in Cauce"}),
            )
            return
        super()._handle_request(msg, log, req_id)


ALLOWED_REQUESTS = tuple(
    getattr(stock, name)
    for name in ("DagFileParsingResult", "GetConnection", "GetVariable", "MaskSecret")
    if hasattr(stock, name)
)


NAMESPACED = re.compile(r"^[a-z0-9_]{1,32}__")


def variable_allowed(msg, rel_path: str) -> bool:
    """
    Variables are global in Airflow 3.3: a file reads its student's own (`<student>__…`) or
    unprefixed ones, never another student's (as lib/runs/airflow/tasks/api-filter.ts for tasks).
    """
    key = getattr(msg, "key", None)
    if not isinstance(msg, stock.GetVariable) or not isinstance(key, str):
        return True
    student = _student_of(rel_path)
    return bool(student and key.startswith(f"{student}__")) or not NAMESPACED.match(key)


def checked_result(result: DagFileParsingResult, rel_path: str) -> DagFileParsingResult:
    """
    What a sandboxed parse may report: DAGs of the folder's own student, from the file asked
    for, and import errors about that file. Anything else becomes an import error of the file.
    """
    student = _student_of(rel_path)
    kept, refused = [], []
    for dag in result.serialized_dags:
        dag_id = str(dag.data.get("dag", {}).get("dag_id", ""))
        fileloc = str(dag.data.get("dag", {}).get("fileloc", ""))
        if student and dag_id.startswith(f"{student}__") and fileloc == result.fileloc:
            kept.append(dag)
        else:
            refused.append(dag_id or "?")
    errors = {key: value for key, value in (result.import_errors or {}).items() if key == rel_path}
    if refused:
        prefix = f"{student}__" if student else "cauce_<alumno>/"
        errors[rel_path] = (
            errors.get(rel_path, "")
            + f"Cauce no registró {', '.join(repr(r) for r in refused)}: cada DAG de esta carpeta debe llevar el prefijo "
            f"«{prefix}» y definirse en este archivo."
        ).strip()
    return result.model_copy(update={"serialized_dags": kept, "import_errors": errors})


def install() -> None:
    """Makes the dag-processor's manager start sandboxed children (called before Airflow's CLI runs)."""
    from airflow.dag_processing import manager

    manager.DagFileProcessorProcess = SandboxedDagFileProcessorProcess
