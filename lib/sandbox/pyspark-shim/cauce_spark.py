"""
The watching wrapper of a pyspark run (the kafka-python shim's twin, cauce_kafka.py): it runs
the student's program (`/sandbox/<entry>`) as `__main__`, a Spark Connect client. It never
sends code of its own to the Spark server; it only reads what the client may read anyway:

- each streaming query the program starts (DataStreamWriter.start/toTable) is followed from
  this process: its progress JSON (recentProgress, the same Spark Connect command the client
  offers) is polled and every new micro-batch is printed as one marked stdout line
  (lib/sandbox/record-marker.ts) with batch id, input rows, rows/s, duration, sink and the
  source offsets; the server (lib/runs/pyspark/) turns them into events for the chart;
- an uncaught exception is printed from the student's first frame and also reported marked,
  with Spark's error class, SQLSTATE and parameters, so the server can explain it in Spanish
  at the student's line;
- "Detener" closes stdin, and the wall clock's soft deadline (CAUCE_SPARK_DEADLINE_MS) comes
  a little before the sandbox's kill: every query is stopped (query.stop()), its last progress
  read, and the session released, so nothing the student started keeps running on the shared
  server. The same happens when the program ends on its own.

Nothing here is a boundary (the sandbox and the Spark server are): tampering with it only
fools one's own picture.
"""

import json
import logging
import os
import runpy
import signal
import stat
import sys
import threading
import time
import traceback

# The student's folder; tests outside a sandbox point it elsewhere.
SANDBOX_DIR = os.environ.pop("CAUCE_SANDBOX_DIR", "/sandbox")
# lib/sandbox/record-marker.ts spells it for the server.
MARKER = "\x1ecauce:record "
POLL_S = int(os.environ.pop("CAUCE_SPARK_POLL_MS", "1000")) / 1000
DEADLINE_S = int(os.environ.pop("CAUCE_SPARK_DEADLINE_MS", "0")) / 1000
# The client's retries when the Spark server does not answer: (retries, longest backoff in ms).
# Spark's own policy waits up to 10 minutes, longer than a run may last; lib/limits.ts says why these.
RETRIES, MAX_BACKOFF_MS = (int(n) for n in os.environ.pop("CAUCE_SPARK_RETRIES", "6,5000").split(","))
# After the queries are stopped, how long the program may take to return before it is interrupted.
RETURN_GRACE_S = 1.5

_write_lock = threading.Lock()
_queries = []  # (query, session), in start order
_queries_lock = threading.Lock()
_seen = set()  # (runId, batchId, timestamp) of progress already reported
_stopping = threading.Event()
_stop_reason = []


def emit(event):
    """One marked line: the server's channel, apart from the student's output and its cap."""
    try:
        line = MARKER + json.dumps({"spark": event.pop("kind"), **event}, ensure_ascii=False) + "\n"
        with _write_lock:
            sys.stdout.write(line)
            sys.stdout.flush()
    except Exception:  # reporting must never break the student's program
        pass


def _raw_progress(query):
    """recentProgress as Spark's own JSON dicts (the client's StreamingQueryProgress drops fields)."""
    from pyspark.sql.connect.proto import StreamingQueryCommand

    cmd = StreamingQueryCommand()
    cmd.recent_progress = True
    result = query._execute_streaming_query_cmd(cmd)
    return [json.loads(text) for text in result.recent_progress.recent_progress_json]


def _compact(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _total(progress, sources, field, kind):
    """A progress total; Spark's JSON may leave it out, as the sum of its sources (PySpark's own rule)."""
    value = progress.get(field)
    if value is None:
        value = sum(kind(source.get(field) or 0) for source in sources)
    return kind(value) if value == value else kind(0)  # NaN rates (no time elapsed) read 0


def batch_event(query, progress):
    """The fields the chart and the offsets check need, from one progress JSON."""
    durations = progress.get("durationMs") or {}
    sink = progress.get("sink") or {}
    sources = progress.get("sources") or []
    return {
        "kind": "batch",
        "queryId": str(query.id),
        "runId": str(progress.get("runId", query.runId)),
        "name": progress.get("name"),
        "batchId": int(progress.get("batchId", -1)),
        "timestamp": progress.get("timestamp"),
        "inputRows": _total(progress, sources, "numInputRows", int),
        "inputRowsPerSecond": _total(progress, sources, "inputRowsPerSecond", float),
        "processedRowsPerSecond": _total(progress, sources, "processedRowsPerSecond", float),
        "durationMs": int(durations.get("triggerExecution") or 0),
        # Only a trigger that ran a batch writes it (addBatch); an idle trigger reports progress too.
        "committed": "addBatch" in durations,
        "sink": sink.get("description"),
        "sources": [
            {
                "description": source.get("description"),
                "startOffset": _compact(source.get("startOffset")),
                "endOffset": _compact(source.get("endOffset")),
                "inputRows": int(source.get("numInputRows") or 0),
            }
            for source in sources
        ],
    }


def poll_once():
    with _queries_lock:
        queries = list(_queries)
    for query, _session in queries:
        try:
            progresses = _raw_progress(query)
        except Exception:  # the query or the server went away: its end is reported elsewhere
            continue
        for progress in progresses:
            key = (progress.get("runId"), progress.get("batchId"), progress.get("timestamp"))
            if key in _seen:
                continue
            _seen.add(key)
            emit(batch_event(query, progress))


def _poll_forever():
    while not _stopping.wait(POLL_S):
        poll_once()


def _register(query, session):
    with _queries_lock:
        _queries.append((query, session))
    emit({"kind": "query", "queryId": str(query.id), "runId": str(query.runId), "name": query.name})


def _install():
    """Follows every query the program starts; the writer itself is Spark's, unchanged."""
    from pyspark.sql.connect.client import retries
    from pyspark.sql.connect.streaming.readwriter import DataStreamWriter

    # DefaultPolicy(max_retries, backoff_multiplier, initial_backoff, max_backoff, jitter, ...):
    # the same policy, shorter, so an unreachable server ends the run with its explanation.
    defaults = list(retries.DefaultPolicy.__init__.__defaults__)
    defaults[0], defaults[3] = RETRIES, MAX_BACKOFF_MS
    retries.DefaultPolicy.__init__.__defaults__ = tuple(defaults)

    for method in ("start", "toTable"):
        original = getattr(DataStreamWriter, method)

        def watched(self, *args, _original=original, **kwargs):
            query = _original(self, *args, **kwargs)
            _register(query, getattr(self, "_session", None) or getattr(query, "_session", None))
            return query

        watched.__doc__ = original.__doc__
        watched.__name__ = method
        setattr(DataStreamWriter, method, watched)


def stop_all(reason):
    """Stops every query (its last batch finishes), reads its last progress, once."""
    if _stopping.is_set():
        return
    _stop_reason.append(reason)
    _stopping.set()
    with _queries_lock:
        queries = list(_queries)
    for query, _session in queries:
        try:
            query.stop()
        except Exception:
            pass
    poll_once()
    emit({"kind": "stopped", "reason": reason, "queries": len(queries)})


def _release_sessions():
    """Ends the program's Spark Connect sessions: the server frees them at once."""
    sessions = {id(s): s for _q, s in _queries if s is not None}
    try:
        from pyspark.sql.connect.session import SparkSession

        default = SparkSession._default_session
        if default is not None:
            sessions[id(default)] = default
    except Exception:
        pass
    for session in sessions.values():
        try:
            session.stop()
        except Exception:
            pass


def _stop_then_interrupt(reason):
    stop_all(reason)
    # awaitTermination returns once its query stops; anything else (a sleep loop) is interrupted.
    time.sleep(RETURN_GRACE_S)
    os.kill(os.getpid(), signal.SIGINT)


def _watch_stdin():
    """"Detener" closes stdin."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return

    def watch():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        _stop_then_interrupt("stop")

    threading.Thread(target=watch, name="cauce-stop", daemon=True).start()


def _watch_deadline():
    if DEADLINE_S <= 0:
        return
    timer = threading.Timer(DEADLINE_S, _stop_then_interrupt, args=("deadline",))
    timer.daemon = True
    timer.start()


def student_frame(error):
    """The innermost frame of the traceback that is in one of the student's files."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(SANDBOX_DIR + "/"):
            found = frame
    return found


def error_event(error):
    frame = student_frame(error)
    event = {
        "kind": "error",
        "exception": type(error).__name__,
        "message": _message(error)[:4000],
        "file": frame.filename[len(SANDBOX_DIR) + 1 :] if frame else None,
        "line": frame.lineno if frame else None,
    }
    for field, getter in (("errorClass", "getCondition"), ("sqlState", "getSqlState"), ("parameters", "getMessageParameters")):
        try:
            event[field] = getattr(error, getter)()
        except Exception:
            pass
    return event


def _message(error):
    """Spark's message without the JVM stack trace the server appends (the student reads Python's)."""
    return str(error).split("\n\nJVM stacktrace:", 1)[0]


def _print_student_traceback(error):
    """
    The student's frames only, then the exception with the first line of its message: the
    client's frames (gRPC, this wrapper) and the server's plan dump are noise to them.
    """
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(SANDBOX_DIR + "/")]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    message = _message(error).split("\n")
    shown = message[0] + (" …" if len(message) > 1 else "")
    name = type(error).__module__ + "." + type(error).__qualname__ if type(error).__module__ != "builtins" else type(error).__qualname__
    if isinstance(error, SyntaxError):
        lines = traceback.format_exception_only(type(error), error)
    else:
        lines.append(f"{name}: {shown}\n")
    sys.stderr.write("".join(lines))
    sys.stderr.flush()


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("cauce-sandbox: usage: cauce_spark <entry.py>\n")
        sys.exit(2)
    entry = sys.argv[1]
    sys.argv = [entry]
    sys.path.insert(0, SANDBOX_DIR)  # the example's other files import as modules
    # The client logs each server error as a JSON line before raising it: the traceback says it once.
    logging.getLogger("SQLQueryContextLogger").disabled = True
    _install()
    _watch_stdin()
    _watch_deadline()
    threading.Thread(target=_poll_forever, name="cauce-progress", daemon=True).start()
    code = 0
    try:
        runpy.run_path(os.path.join(SANDBOX_DIR, entry), run_name="__main__")
    except KeyboardInterrupt:
        if not _stopping.is_set():
            code = 130
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except BaseException as error:  # noqa: BLE001  (reported, then the run fails)
        if not _stopping.is_set():
            emit(error_event(error))
            _print_student_traceback(error)
            code = 1
    finally:
        # The run is over: nothing it started may keep running on the shared server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_all(_stop_reason[0] if _stop_reason else "end")
        _release_sessions()
    sys.exit(code)


if __name__ == "__main__":
    main()
